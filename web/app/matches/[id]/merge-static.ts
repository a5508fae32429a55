// Scenery that never moves, merged into one draw call per look. A software renderer (SwiftShader,
// no GPU) pays for every draw call: the arena alone was ~80 meshes and lines, a car 6 meshes.
import * as THREE from "three";
import { mergeGeometries } from "three/examples/jsm/utils/BufferGeometryUtils.js";

/** What a material draws like: its JSON without its identity. */
function look(material: THREE.Material): string {
  const { uuid: _uuid, name: _name, ...rest } = material.toJSON();
  return JSON.stringify(rest);
}

/** A line strip (p0 p1 p2 …) as the separate segments LineSegments draws (p0 p1, p1 p2, …). */
function stripToSegments(g: THREE.BufferGeometry): THREE.BufferGeometry {
  const p = g.getAttribute("position");
  const out = new Float32Array(Math.max(0, p.count - 1) * 6);
  for (let i = 0; i + 1 < p.count; i++)
    out.set([p.getX(i), p.getY(i), p.getZ(i), p.getX(i + 1), p.getY(i + 1), p.getZ(i + 1)], i * 6);
  return new THREE.BufferGeometry().setAttribute("position", new THREE.BufferAttribute(out, 3));
}

/** One geometry in world space, with only the attributes its kind draws (lines: position). */
function worldGeometry(object: THREE.Mesh | THREE.Line, kind: "mesh" | "lines"): THREE.BufferGeometry {
  let g = object.geometry.clone().applyMatrix4(object.matrixWorld);
  if (g.index) g = g.toNonIndexed();
  if (kind === "lines" && !(object instanceof THREE.LineSegments)) g = stripToSegments(g);
  for (const name of Object.keys(g.attributes))
    if (name !== "position" && !(kind === "mesh" && (name === "normal" || name === "color")))
      g.deleteAttribute(name);
  if (kind === "mesh" && !g.getAttribute("normal")) g.computeVertexNormals();
  return g;
}

/**
 * The meshes and lines under `root` (which is not drawn itself), merged by material look into one
 * mesh or LineSegments each, in world space. Sprites and other objects are left out.
 */
export function mergeStatic(root: THREE.Object3D): THREE.Object3D[] {
  root.updateMatrixWorld(true);
  const byLook = new Map<
    string,
    { kind: "mesh" | "lines"; material: THREE.Material; parts: THREE.BufferGeometry[] }
  >();
  root.traverse((object) => {
    const kind = object instanceof THREE.Mesh ? "mesh" : object instanceof THREE.Line ? "lines" : null;
    if (!kind) return;
    const material = (object as THREE.Mesh | THREE.Line).material as THREE.Material;
    const key = `${kind} ${look(material)}`;
    const entry = byLook.get(key) ?? { kind, material, parts: [] };
    entry.parts.push(worldGeometry(object as THREE.Mesh | THREE.Line, kind));
    byLook.set(key, entry);
  });
  return [...byLook.values()].map(({ kind, material, parts }) => {
    const merged = mergeGeometries(parts);
    if (!merged) throw new Error(`could not merge ${parts.length} ${kind} geometries`);
    return kind === "lines" ? new THREE.LineSegments(merged, material) : new THREE.Mesh(merged, material);
  });
}

/** Boxes and cylinders of several colours as one geometry with vertex colours: one draw call. */
export function paintedGeometry(parts: [THREE.BufferGeometry, number][]): THREE.BufferGeometry {
  const painted = parts.map(([geometry, hex]) => {
    const g = geometry.index ? geometry.toNonIndexed() : geometry;
    g.deleteAttribute("uv");
    const c = new THREE.Color(hex);
    const colors = new Float32Array(g.getAttribute("position").count * 3);
    for (let i = 0; i < colors.length; i += 3) colors.set([c.r, c.g, c.b], i);
    return g.setAttribute("color", new THREE.BufferAttribute(colors, 3));
  });
  const merged = mergeGeometries(painted);
  if (!merged) throw new Error("could not merge the car's parts");
  return merged;
}
