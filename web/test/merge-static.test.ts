import * as THREE from "three";
import { describe, expect, it } from "vitest";
import { mergeStatic, paintedGeometry } from "../app/matches/[id]/merge-static";

const positions = (g: THREE.BufferGeometry) => Array.from(g.getAttribute("position").array as Float32Array);

describe("static scenery merged by material look", () => {
  it("merges meshes of equal-looking materials into one, in world space, and keeps other looks apart", () => {
    const root = new THREE.Scene();
    const a = new THREE.Mesh(new THREE.PlaneGeometry(1, 1), new THREE.MeshBasicMaterial({ color: 0x00ff00 }));
    const b = new THREE.Mesh(new THREE.PlaneGeometry(1, 1), new THREE.MeshBasicMaterial({ color: 0x00ff00 }));
    b.position.set(10, 0, 0);
    const red = new THREE.Mesh(
      new THREE.PlaneGeometry(1, 1),
      new THREE.MeshBasicMaterial({ color: 0xff0000 }),
    );
    root.add(a, b, red);
    const merged = mergeStatic(root);
    expect(merged).toHaveLength(2);
    const green = merged.find((o) => ((o as THREE.Mesh).material as THREE.MeshBasicMaterial).color.g === 1);
    const g = (green as THREE.Mesh).geometry;
    // Two planes of two triangles each, unindexed: 12 vertices; the second one moved 10 along x.
    expect(g.getAttribute("position").count).toBe(12);
    const xs = positions(g).filter((_, i) => i % 3 === 0);
    expect(Math.max(...xs)).toBeCloseTo(10.5);
    expect(Math.min(...xs)).toBeCloseTo(-0.5);
    expect(g.getAttribute("uv")).toBeUndefined();
  });

  it("turns line strips into segments and merges them with segments of the same look", () => {
    const root = new THREE.Scene();
    const material = new THREE.LineBasicMaterial({ color: 0xffffff });
    const strip = new THREE.Line(
      new THREE.BufferGeometry().setFromPoints([
        new THREE.Vector3(0, 0, 0),
        new THREE.Vector3(1, 0, 0),
        new THREE.Vector3(1, 1, 0),
      ]),
      material.clone(),
    );
    const segments = new THREE.LineSegments(
      new THREE.BufferGeometry().setFromPoints([new THREE.Vector3(5, 5, 5), new THREE.Vector3(6, 5, 5)]),
      material,
    );
    root.add(strip, segments);
    const merged = mergeStatic(root);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toBeInstanceOf(THREE.LineSegments);
    // The strip's two segments (p0 p1, p1 p2), then the one segment.
    expect(positions((merged[0] as THREE.LineSegments).geometry)).toEqual([
      0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 5, 5, 5, 6, 5, 5,
    ]);
  });

  it("paints parts of several colours into one geometry with a colour per vertex", () => {
    const g = paintedGeometry([
      [new THREE.BoxGeometry(1, 1, 1), 0xffffff],
      [new THREE.BoxGeometry(1, 1, 1).translate(3, 0, 0), 0x000000],
    ]);
    const colors = Array.from(g.getAttribute("color").array as Float32Array);
    // A box unindexed is 36 vertices: the first white, the second black.
    expect(g.getAttribute("position").count).toBe(72);
    expect(colors.slice(0, 36 * 3).every((c) => c === 1)).toBe(true);
    expect(colors.slice(36 * 3).every((c) => c === 0)).toBe(true);
  });
});
