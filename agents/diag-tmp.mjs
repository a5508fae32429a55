import { C_X, C_VX, C_BOOST, C_ON_GROUND, C_UX, B_X, BALL_FIELDS, CarSoccerEngine, KickoffSetter, LookupTableAction, NOT_DONE, ARENA_FIELDS, A_BLUE_SCORE, A_ORANGE_SCORE, A_STEPS, getEnvSpec, carSoccerParts, C_BALL_TOUCHES } from "@league/envs";
import { createCarSoccerBot, loadPolicy, loadTf, predictRows } from "@league/agents";
const runtime = await loadTf();
const dir = process.argv[2];
const { actor, observationStats, manifest } = await loadPolicy(runtime, dir);
const obs = carSoccerParts(manifest.observationBuilder, manifest.actionParser).obsBuilder;
const n = 200, seed = 1000001;
const engine = new CarSoccerEngine(n, { spec: getEnvSpec("car-soccer-1v1"), tickSkip: 8, obsBuilder: obs, stateSetter: new KickoffSetter({ jitter: { position: 100, heading: 0.1 } }) });
const bots = Array.from({length:n},(_,g)=>createCarSoccerBot("ball-chaser", seed+g));
for (let g=0; g<n; g++) engine.resetArena(g, seed+g, 0);
const lookup = new LookupTableAction(); const size = engine.observationSize;
const done = new Uint8Array(n); const s = new Float32Array(8); const idx = new Float32Array(1); const input = new Float32Array(n*size);
let active = n;
const W = [[0,20],[20,40],[40,80],[80,300]]; const acc = W.map(()=>({n:0, speed:0, boost:0, dist:0, ground:0, upright:0, wall:0, oppdist:0, ballY:0}));
function record(g){ const t = engine.state.arena[g*ARENA_FIELDS+A_STEPS]*8/120; const wi = W.findIndex(([a,b])=>t>=a&&t<b); if (wi<0) return; const A=acc[wi];
  const me = engine.state.carOffset(g, g%2), op = engine.state.carOffset(g, 1-g%2); const c = engine.state.cars, b = engine.state.ball, bo = g*BALL_FIELDS;
  A.n++; A.speed += Math.hypot(c[me+C_VX],c[me+C_VX+1]); A.boost += c[me+C_BOOST]; A.dist += Math.hypot(c[me]-b[bo],c[me+1]-b[bo+1]); A.ground += c[me+C_ON_GROUND]; A.upright += c[me+C_UX+2] > 0.7 ? 1:0;
  A.wall += (Math.abs(c[me]) > 3800 || Math.abs(c[me+1]) > 4900) ? 1 : 0; A.oppdist += Math.hypot(c[op]-b[bo],c[op+1]-b[bo+1]); A.ballY += b[bo+1] * (g%2===0?1:-1); }
while (active>0) {
  const playing=[]; for (let g=0; g<n; g++) if(!done[g]) playing.push(g);
  playing.forEach((g,i)=>obs.build(engine.state, g, g%2, input, i*size));
  const view = input.subarray(0, playing.length*size); observationStats?.normalize(view, playing.length, view);
  const logits = predictRows(runtime.tf, actor, view, playing.length); const k = logits.length/playing.length;
  playing.forEach((g,i)=>{ let best=0; for(let a=1;a<k;a++) if(logits[i*k+a]>logits[i*k+best]) best=a; idx[0]=best; lookup.parse(idx,0,engine.state.controls,(g*2+g%2)*8);
    bots[g].act(engine.state,g,1-g%2,s); engine.state.controls.set(s,(g*2+1-g%2)*8);
    record(g); if (engine.stepArena(g)!==NOT_DONE){done[g]=1;active--;} });
}
const hist = { win: [], loss: [], draw: [] };
for (let g=0; g<n; g++){ const bl=engine.state.arena[g*ARENA_FIELDS+A_BLUE_SCORE], or=engine.state.arena[g*ARENA_FIELDS+A_ORANGE_SCORE]; const [m,t]=g%2===0?[bl,or]:[or,bl];
  const sec = engine.state.arena[g*ARENA_FIELDS+A_STEPS]*8/120; (m>t?hist.win:m<t?hist.loss:hist.draw).push(sec); }
const buckets = [5,10,20,40,80,160,301];
for (const [k,v] of Object.entries(hist)) { const c = buckets.map((b,i)=>v.filter(x=>x<b && x>=(buckets[i-1]??0)).length); console.log(k, v.length, JSON.stringify(Object.fromEntries(buckets.map((b,i)=>["<"+b,c[i]])))); }

for (const [i,A] of acc.entries()) console.log(W[i].join('-'), A.n, Object.fromEntries(Object.entries(A).filter(([k])=>k!=='n').map(([k,v])=>[k, +(v/A.n).toFixed(2)])));
