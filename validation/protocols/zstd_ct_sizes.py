"""Measure the zstd-compressed size of OpenCheetah's ciphertexts (SEAL 3.7.2 Ciphertext::save,
compr_mode_type::zstd = level 3 streaming, no checksum) on synthetic data with the exact layout:

  save_members: parms_id (32) | is_ntt_form (1) | size (8) | poly degree (8) | coeff_mod_size (8) |
                scale (8) | DynArray (SEALHeader 16 + count 8 + uint64 coefficients) [| seed info]

  in-ct  (client -> server, encrypt_symmetric, seeded): c0 over both primes {60, 49} bits, then a
         UniformRandomGeneratorInfo (SEALHeader 16 + type 1 + 64-B seed) instead of c1.
  out-ct (server -> client, after flood_ciphertext: one 60-bit prime; USE_APPROX_RESHARE=ON so no
         low-bit truncation; removeUnusedCoeffs zeroes the c0 coefficients that hold no output):
         c0 with `used` uniform words, c1 with 4096 uniform words.

Residues are uniform below the prime, so each 64-bit word has its top 4 (resp. 15) bits zero.
The 16-B outer SEALHeader is written uncompressed and is added in the Rust constants.
Reproduce (needs the zstd CLI, any 1.5.x): python3 validation/protocols/zstd_ct_sizes.py
Result with zstd 1.5.4: in-ct 62411, out-ct used=0 32836, used=4096 65634 (slope 8.007 B/used).
"""
import os, random, struct, subprocess

N = 4096
Q0 = (1 << 60) - (1 << 18) + 1
Q1 = (1 << 49) - (1 << 15) + 1


def zsize(b):
    r = subprocess.run(["zstd", "-3", "-c", "--no-check", "-q"], input=b, capture_output=True, check=True)
    return len(r.stdout)


def words(n, q):
    return b"".join(struct.pack("<Q", random.randrange(q)) for _ in range(n))


def header(nprimes):
    return os.urandom(32) + b"\x00" + struct.pack("<QQQd", 2, N, nprimes, 1.0)


def in_ct():
    return header(2) + b"\0" * 16 + struct.pack("<Q", 2 * N) + words(N, Q0) + words(N, Q1) + b"\0" * 16 + b"\x01" + os.urandom(64)


def out_ct(used):
    c0 = bytearray(8 * N)
    for i in used:
        c0[8 * i:8 * i + 8] = struct.pack("<Q", random.randrange(Q0))
    return header(1) + b"\0" * 16 + struct.pack("<Q", 2 * N) + bytes(c0) + words(N, Q0)


if __name__ == "__main__":
    random.seed(1)
    print("in-ct", zsize(in_ct()))
    for u in (0, 1024, 2048, 3136, 4096):
        print("out-ct used", u, zsize(out_ct(range(u))))
