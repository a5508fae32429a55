// A duty-cycled CPU load beside a bench, to see how the live view copes on a busier machine:
// `node bench/web/cpu-load.mjs ON OFF` spins ON ms, sleeps OFF ms, until killed (7 3: 70% of a core).
const [on, off] = process.argv.slice(2).map(Number);
if (!(on > 0 && off >= 0)) {
  console.error("usage: node bench/web/cpu-load.mjs ON_MS OFF_MS");
  process.exit(2);
}
const spin = () => {
  const end = performance.now() + on;
  while (performance.now() < end);
  setTimeout(spin, off);
};
spin();
