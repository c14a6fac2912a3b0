"""The catalog's training costs (src/agents/catalog.ts, secondsPerStep) fitted to train-loop rows.

    python3 scripts/fit-catalog.py FILE [FILE ...]

Each FILE holds `npm run bench -- train-loop` output; every line that is a train-loop JSON object
counts (its rows, with their "hp" when --hp was given). Seconds per slot, 1 / slots_per_s, are
fitted by ordinary least squares: a + b N for every algorithm, and a + b N + c N (K + 1) for
DMADRL, with K its denoisingSteps (7 unless a row's hp sets it). Prints one line per algorithm
with the coefficients, then each row's fitted against its measured seconds per slot. The catalog
multiplies the fits by its paper-scale factor (TWO_RUNS_AT_ONCE), which these rows do not give.
"""
import json
import sys


def solve(rows, features):
    """Least squares: minimise sum (y - x . beta)^2 by the normal equations (a few unknowns)."""
    n = len(features(rows[0][0]))
    ata = [[0.0] * n for _ in range(n)]
    aty = [0.0] * n
    for row, y in rows:
        x = features(row)
        for i in range(n):
            aty[i] += x[i] * y
            for j in range(n):
                ata[i][j] += x[i] * x[j]
    # Gaussian elimination with partial pivoting
    m = [ata[i] + [aty[i]] for i in range(n)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        if abs(m[c][c]) < 1e-12 * max(1.0, max(abs(v) for v in ata[c])):
            return None  # the rows do not tell the coefficients apart (DMADRL: one K only)
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                m[r] = [a - f * b for a, b in zip(m[r], m[c])]
    return [m[i][n] / m[i][i] for i in range(n)]


rows = {}
for path in sys.argv[1:]:
    for line in open(path):
        line = line.strip()
        if not line.startswith('{'):
            continue
        data = json.loads(line)
        if data.get('name') != 'train-loop':
            continue
        for row in data['rows']:
            rows.setdefault(row['algo'], []).append((row, 1 / row['slots_per_s']))
if not rows:
    sys.exit('fit-catalog: no train-loop JSON line in the files given')

for algo, measured in rows.items():
    steps = lambda row: float((row.get('hp') or {}).get('denoisingSteps', 7))
    if algo == 'dmadrl':
        features = lambda row: [1.0, row['N'], row['N'] * (steps(row) + 1)]
        names = ['a', 'b N', 'c N (K + 1)']
    else:
        features = lambda row: [1.0, row['N']]
        names = ['a', 'b N']
    if len(measured) < len(names):
        print(f'{algo}: {len(measured)} rows, too few for {len(names)} coefficients')
        continue
    beta = solve(measured, features)
    if beta is None:
        print(f'{algo}: the rows do not separate {", ".join(names)} (DMADRL needs rows at two K or more)')
        continue
    print(f'{algo}: ' + ', '.join(f'{n} = {b:.3g}' for n, b in zip(names, beta)))
    for row, y in measured:
        fit = sum(b * x for b, x in zip(beta, features(row)))
        k = f' K = {steps(row):g}' if algo == 'dmadrl' else ''
        print(f'  N = {row["N"]}{k}: measured {y * 1e3:.3f} ms a slot, fit {fit * 1e3:.3f} ({fit / y:.3f})')
