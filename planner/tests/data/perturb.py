#!/usr/bin/env python3
"""Makes a rule-breaking variant of a solution, for scorer parity tests (test data only).

    python3 perturb.py INSTANCE.json SOLUTION.json SEED > broken.json

Randomly moves dates (to other candidates, weekends, days outside the cycle, dates of other
dialogues), adds and drops guests (also host staff and several guests of one organisation)
and unschedules some dialogues, so that most hard rules are broken somewhere. The expected
scores of the result come from validate.py, never from this script.
"""
import datetime as dt
import json
import random
import sys

inst = json.load(open(sys.argv[1]))
sol = json.load(open(sys.argv[2]))
rng = random.Random(int(sys.argv[3]))
staff = [s["id"] for s in inst["staff"]]
by_org = {}
for s in inst["staff"]:
    by_org.setdefault(s["org"], []).append(s["id"])
orgs = {o["id"]: o for o in inst["organisations"]}
ds = sol["dialogues"]
dates = [d["date"] for d in ds if d["date"]]
for d in ds:
    r = rng.random()
    if d["date"] is None:
        if r < 0.5:
            d["date"] = rng.choice(orgs[d["host"]]["candidate_dates"])
            d["guests"] = rng.sample(staff, rng.randint(1, 8))
        continue
    if r < 0.08:
        d["date"], d["guests"] = None, []
        continue
    if r < 0.2:
        d["date"] = rng.choice(orgs[d["host"]]["candidate_dates"])
    elif r < 0.25:
        d["date"] = rng.choice(dates)
    elif r < 0.28:
        day = dt.date.fromisoformat(d["date"])
        d["date"] = (day + dt.timedelta(days=rng.choice([1, 2, 3, 400, -400]))).isoformat()
    g = d["guests"]
    r = rng.random()
    if r < 0.15:
        extra = rng.choice(by_org[d["host"]])
        if extra not in g:
            g.append(extra)
    elif r < 0.3:
        o = rng.choice(list(by_org))
        for s in by_org[o][:3]:
            if s not in g:
                g.append(s)
    elif r < 0.4 and g:
        g.pop(rng.randrange(len(g)))
    elif r < 0.5:
        s = rng.choice(staff)
        if s not in g:
            g.append(s)
    rng.shuffle(g)
rng.shuffle(ds)
sol["solver"] = {"name": "perturbed", "seed": int(sys.argv[3])}
json.dump(sol, sys.stdout, indent=1)
print()
