"""pymerkle (InmemoryTree, SHA-256, RFC 6962 prefixes) on the same entries as tlog_compare.

Usage: python pymerkle_bench.py LEAVES QUERIES
Prints one line: `root=<hex> append=<per s> inclusion=<per s> consistency=<per s>`.
Entries are the 8-byte little-endian encodings of 0..LEAVES, as in the Rust benchmark.
"""
import sys
import time

from pymerkle import InmemoryTree


def xorshift(seed):
    mask = (1 << 64) - 1
    x = seed
    while True:
        x ^= x >> 12
        x ^= (x << 25) & mask
        x ^= x >> 27
        yield (x * 0x2545F4914F6CDD1D) & mask


def best_of(runs, f):
    best, out = None, None
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        d = time.perf_counter() - t
        best = d if best is None else min(best, d)
    return best, out


def main():
    leaves, queries = int(sys.argv[1]), int(sys.argv[2])
    entries = [i.to_bytes(8, "little") for i in range(leaves)]

    def build():
        tree = InmemoryTree(algorithm="sha256")
        for e in entries:
            tree.append_entry(e)
        return tree

    t_append, tree = best_of(1, build)
    root = tree.get_root().hex()

    def inclusion():
        rng = xorshift(42)
        for _ in range(queries):
            tree.prove_inclusion(next(rng) % leaves + 1, leaves)  # pymerkle indexes from 1

    def consistency():
        rng = xorshift(7)
        for _ in range(queries):
            tree.prove_consistency(1 + next(rng) % leaves, leaves)

    t_incl, _ = best_of(1, inclusion)
    t_cons, _ = best_of(1, consistency)
    print(f"root={root} append={leaves / t_append:.0f} inclusion={queries / t_incl:.0f} consistency={queries / t_cons:.0f}")


if __name__ == "__main__":
    main()
