"""Per-seed figures of `svec compare` runs, as docs/results/svec-n20.md quotes them.

    python3 scripts/per-seed.py DIR [DIR ...]     (each DIR holds a comparison.json)

Team reward, oracle-normalized score (R - R_local-only) / (R_oracle - R_local-only), greedy
offload share and mean lambda of every seed of the learners and Greedy, then DMADRL's bound
shares over its last 50 training episodes (boundShare, boundShareStep<K> in metrics.jsonl).
"""
import json
import os
import sys

for folder in sys.argv[1:]:
    data = json.load(open(os.path.join(folder, 'comparison.json')))
    rows = {r['name']: r for r in data['rows']}
    lo = rows['local-only']['perSeed'][0]['teamReward']
    oracle = rows['oracle']['perSeed'][0]['teamReward']
    print(f'## {os.path.basename(folder.rstrip("/"))}: local-only {lo:.1f}, oracle {oracle:.1f}')
    for name, r in rows.items():
        if r['kind'] != 'learning' and name != 'greedy':
            continue
        seeds = r['perSeed']
        print(
            name,
            'reward', ', '.join(f"{p['teamReward']:.1f}" for p in seeds),
            '| score', ', '.join(f"{(p['teamReward'] - lo) / (oracle - lo):.3f}" for p in seeds),
            '| offload', ', '.join(f"{p['offloadFraction']:.3f}" for p in seeds),
            '| lambda', ', '.join((f"{p['meanLambda']:.2f}" if p['meanLambda'] is not None else '-') for p in seeds),
        )
    runs = os.path.join(folder, 'runs', 'dmadrl')
    if os.path.isdir(runs):
        shares = []
        for seed in sorted(os.listdir(runs)):
            lines = [json.loads(line) for line in open(os.path.join(runs, seed, 'metrics.jsonl'))]
            last = lines[-50:]
            diag = [l.get('diagnostics', l) for l in last]
            keys = sorted(k for k in diag[0] if k.startswith('boundShareStep'))
            first_step = keys[-1] if keys else None
            mean = lambda k: sum(d[k] for d in diag) / len(diag)
            shares.append(f"{seed} boundShare {mean('boundShare'):.2f}" + (f", {first_step} {mean(first_step):.2f}" if first_step else ''))
        print('dmadrl, last 50 episodes:', '; '.join(shares))
