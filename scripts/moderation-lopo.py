#!/usr/bin/env python3
"""Leave-one-part-out: does a plain learned model over character n-grams carry from one writer's part to another's?
Train on all development parts but one, test on that one. Only the development parts (never the held-out part)."""
import json, sys, unicodedata, zlib, os
import numpy as np

CORPUS = sys.argv[1] if len(sys.argv) > 1 else "Tests/KohoCoreTests/Fixtures/moderation-corpus"
PARTS = ["dev", "heldout-2026-12-06", "dev-2", "dev-3", "dev-4", "dev-5", "dev-6"]
GROUNDS = ["①", "②", "③", "④", "⑤"]
DIM = 1 << 18

def fold(t):
    t = unicodedata.normalize("NFKC", t).lower()
    # katakana -> hiragana, so that kana spellings meet
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in t)

def features(t):
    t = "^" + fold(t) + "$"
    out = {}
    for n in (1, 2, 3):
        for i in range(len(t) - n + 1):
            h = zlib.crc32(t[i:i + n].encode()) % DIM
            out[h] = 1.0
    return out

def load(name):
    rows = [json.loads(l) for l in open(os.path.join(CORPUS, name + ".jsonl"), encoding="utf-8") if l.strip()]
    return [r for r in rows if "text" in r]

def matrix(rows):
    X = np.zeros((len(rows), DIM), dtype=np.float32)
    for i, r in enumerate(rows):
        f = features(r["text"])
        X[i, list(f)] = 1.0
    X /= np.sqrt(np.maximum(X.sum(1, keepdims=True), 1))
    return X

def train(X, y, epochs=30, lr=0.5, l2=1e-4):
    w = np.zeros(X.shape[1], dtype=np.float32); b = 0.0
    pos = max(y.mean(), 1e-3)
    weight = np.where(y == 1, 0.5 / pos, 0.5 / (1 - pos)).astype(np.float32)
    for _ in range(epochs):
        p = 1 / (1 + np.exp(-(X @ w + b)))
        g = (p - y) * weight
        w -= lr * (X.T @ g / len(y) + l2 * w)
        b -= lr * g.mean()
    return w, b

def main():
    parts = {p: load(p) for p in PARTS if os.path.exists(os.path.join(CORPUS, p + ".jsonl"))}
    print("part | ground comments given one | legit (not criticism) given one | criticism given one | rumours found | non-rumours misleading")
    for test in parts:
        if test == "dev": continue  # generated from templates: too easy a test
        tr = [r for p, rs in parts.items() if p != test for r in rs]
        te = parts[test]
        Xtr, Xte = matrix(tr), matrix(te)
        pred_any = np.zeros(len(te), bool)
        for g in GROUNDS:
            y = np.array([g in r["grounds"] for r in tr], np.float32)
            w, b = train(Xtr, y)
            pred_any |= (1 / (1 + np.exp(-(Xte @ w + b)))) > 0.5
        y = np.array([bool(r["misleading"]) for r in tr], np.float32)
        w, b = train(Xtr, y)
        mis = (1 / (1 + np.exp(-(Xte @ w + b)))) > 0.5
        ground = [i for i, r in enumerate(te) if r["grounds"]]
        legit = [i for i, r in enumerate(te) if not r["grounds"] and not r.get("criticism")]
        crit = [i for i, r in enumerate(te) if not r["grounds"] and r.get("criticism")]
        rum = [i for i, r in enumerate(te) if r["misleading"]]
        non = [i for i, r in enumerate(te) if not r["misleading"]]
        f = lambda idx, arr: f"{int(arr[idx].sum()) if idx else 0}/{len(idx)}"
        pct = lambda idx, arr: f"{100 * arr[idx].mean():.1f}%" if idx else "—"
        print(f"{test} | {pct(ground, pred_any)} | {f(legit, pred_any)} | {f(crit, pred_any)} | {pct(rum, mis)} | {pct(non, mis)}")

main()
