import type { CameraMode } from "./field-scene";

export function CameraButtons({
  mode,
  cars,
  onChange,
}: {
  mode: CameraMode;
  cars: { name: string }[];
  onChange: (m: CameraMode) => void;
}) {
  const modes: CameraMode[] = ["broadcast", "ball", ...cars.map((_, k) => `car-${k}` as const)];
  return (
    <span className="hud-cameras">
      {modes.map((c) => (
        <button key={c} type="button" className={c === mode ? "on" : undefined} onClick={() => onChange(c)}>
          {c.startsWith("car-")
            ? (cars[Number(c.slice(4))]?.name ?? c)
            : c === "ball"
              ? "ball cam"
              : "broadcast"}
        </button>
      ))}
    </span>
  );
}

export function BoostMeters({ cars }: { cars: { name: string; team: number; boost: number }[] }) {
  return (
    <div className="boost-meters">
      {cars.map((car, k) => (
        // Seats never change order during a match, so the index is a stable key.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <div key={k} className={`boost ${car.team === 0 ? "blue" : "orange"}`}>
          <span>{car.name}</span>
          <meter min={0} max={100} value={car.boost} />
          <span className="muted">{Math.round(car.boost)}</span>
        </div>
      ))}
    </div>
  );
}

export const formatClock = (seconds: number) =>
  `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;
