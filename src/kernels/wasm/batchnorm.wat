;; BatchNorm kernels over [N, C, L] (L = 1: the [N, C] layout), for f32 and f64 storage, on byte
;; offsets into the tensor memory they import, which worker threads share (the
;; [N, C] kernels take the row stride ld, C for a whole call and the full C for a range of
;; channels, so that threads can split a large call by channels: see the parts at the end). They
;; are the TypeScript kernels of src/kernels/batchnorm.ts evaluated in the same order, so the
;; results are bit-identical:
;;  - every per-element expression is evaluated in f64 (f32 storage promoted, each result rounded
;;    once by f32x4.demote_f64x2_zero), the same operations in the same order;
;;  - per-channel sums keep the reference order. [N, C]: each f64x2 lane is a different channel and
;;    rows are added in order. [N, C, L]: each lane is a different row (one (n, c) segment of L
;;    values, summed sequentially from 0 as the reference's inner loop does), four rows at a time
;;    loaded with load_lane, and the row sums are then added to their channels in row order.
;; Per-channel vectors are f64 arrays of C values. No fused multiply-add: core WebAssembly SIMD has
;; none and engines may not contract a·b + c, so every product is rounded as JavaScript rounds it.
;;
;; A template, expanded by scripts/build-wasm.mjs before it is assembled (its header has the
;; rules; `node scripts/build-wasm.mjs --expand batchnorm.wat` prints the result): each kernel is
;; written once, and the lines from `;; @for T in f32 f64` to its `;; @end` are written out for
;; T = f32 (f32 storage), then for T = f64, with {{T}} and each name defined by `;; @f32 name = …`
;; and `;; @f64 name = …` replaced by its value for that T; {{load (local.get $p)}} passes an
;; argument. Lines after a lone `;; @f32` or `;; @f64` are for that type only: where the f32 code
;; differs in kind (four f32 values per v128 step as two f64x2 halves, against one f64x2).
;; Bytes per element, their log2, and elements per v128:
;; @f32 size = 4
;; @f64 size = 8
;; @f32 shift = 2
;; @f64 shift = 3
;; @f32 lanes = 4
;; @f64 lanes = 2
;; The element at A as f64, and the f64 X stored as an element at A (rounded once for f32):
;; @f32 load(A) = (f64.promote_f32 (f32.load A))
;; @f64 load(A) = (f64.load A)
;; @f32 store(A, X) = (f32.store A (f32.demote_f64 X))
;; @f64 store(A, X) = (f64.store A X)
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; ---------------------------------------------------------------------------------------------
  ;; Per-channel scalar steps (C values, not hot).

  ;; The correction of the two-pass algorithm and the inverse standard deviation:
  ;; mean += Σd/M, sumSq = max(0, Σd² − (Σd)²/M), invstd = 1/√(sumSq/M + eps).
  (func $finish (param $mean i32) (param $sd i32) (param $ss i32) (param $invstd i32)
    (param $c i32) (param $m f64) (param $eps f64)
    (local $o i32) (local $end i32) (local $d f64) (local $s f64)
    (local.set $end (i32.shl (local.get $c) (i32.const 3)))
    (block $done
      (loop $ch
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $d (f64.load (i32.add (local.get $sd) (local.get $o))))
        (f64.store (i32.add (local.get $mean) (local.get $o))
          (f64.add (f64.load (i32.add (local.get $mean) (local.get $o)))
            (f64.div (local.get $d) (local.get $m))))
        (local.set $s
          (f64.max (f64.const 0)
            (f64.sub (f64.load (i32.add (local.get $ss) (local.get $o)))
              (f64.div (f64.mul (local.get $d) (local.get $d)) (local.get $m)))))
        (f64.store (i32.add (local.get $ss) (local.get $o)) (local.get $s))
        (f64.store (i32.add (local.get $invstd) (local.get $o))
          (f64.div (f64.const 1)
            (f64.sqrt (f64.add (f64.div (local.get $s) (local.get $m)) (local.get $eps)))))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (br $ch))))

  ;; a[ch] ·= b[ch]
  (func $scale (param $a i32) (param $b i32) (param $c i32)
    (local $o i32) (local $end i32)
    (local.set $end (i32.shl (local.get $c) (i32.const 3)))
    (block $done
      (loop $ch
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (f64.store (i32.add (local.get $a) (local.get $o))
          (f64.mul (f64.load (i32.add (local.get $a) (local.get $o)))
            (f64.load (i32.add (local.get $b) (local.get $o)))))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (br $ch))))

  ;; out[ch] = batch ? a[ch]/m : 0
  (func $meanOf (param $out i32) (param $a i32) (param $c i32) (param $m f64) (param $batch i32)
    (local $o i32) (local $end i32)
    (local.set $end (i32.shl (local.get $c) (i32.const 3)))
    (block $done
      (loop $ch
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (f64.store (i32.add (local.get $out) (local.get $o))
          (select
            (f64.div (f64.load (i32.add (local.get $a) (local.get $o))) (local.get $m))
            (f64.const 0)
            (local.get $batch)))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (br $ch))))

  ;; The channel after ch, cyclically.
  (func $next (param $ch i32) (param $c i32) (result i32)
    (local.set $ch (i32.add (local.get $ch) (i32.const 1)))
    (select (i32.const 0) (local.get $ch) (i32.eq (local.get $ch) (local.get $c))))

  ;; [a[ch], a[next(ch)]]
  (func $pair (param $a i32) (param $ch i32) (param $c i32) (result v128)
    (f64x2.replace_lane 1
      (f64x2.splat (f64.load (i32.add (local.get $a) (i32.shl (local.get $ch) (i32.const 3)))))
      (f64.load (i32.add (local.get $a)
        (i32.shl (call $next (local.get $ch) (local.get $c)) (i32.const 3))))))

  ;; Adds the four row sums [s01, s23] to acc[ch], acc[ch+1], acc[ch+2], acc[ch+3] (cyclically),
  ;; in row order, and returns the channel of the next row.
  (func $add4 (param $acc i32) (param $ch i32) (param $c i32) (param $s01 v128) (param $s23 v128)
    (result i32)
    (local $p i32)
    (local.set $p (i32.add (local.get $acc) (i32.shl (local.get $ch) (i32.const 3))))
    (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (f64x2.extract_lane 0 (local.get $s01))))
    (local.set $ch (call $next (local.get $ch) (local.get $c)))
    (local.set $p (i32.add (local.get $acc) (i32.shl (local.get $ch) (i32.const 3))))
    (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (f64x2.extract_lane 1 (local.get $s01))))
    (local.set $ch (call $next (local.get $ch) (local.get $c)))
    (local.set $p (i32.add (local.get $acc) (i32.shl (local.get $ch) (i32.const 3))))
    (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (f64x2.extract_lane 0 (local.get $s23))))
    (local.set $ch (call $next (local.get $ch) (local.get $c)))
    (local.set $p (i32.add (local.get $acc) (i32.shl (local.get $ch) (i32.const 3))))
    (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (f64x2.extract_lane 1 (local.get $s23))))
    (call $next (local.get $ch) (local.get $c)))

  ;; ---------------------------------------------------------------------------------------------
  ;; [N, C], f32 and f64 storage, in blocks of up to 4 rows. For four channels at a time (two
  ;; 64-bit loads of two f32 each, or two f64x2 loads, per row: each lane a channel) the channels'
  ;; accumulators and constants stay in registers while the block's rows go by in order, so each
  ;; channel still sees its rows in order; the last C mod 4 channels go one by one the same way.
  ;; (Blocks of 4 rows of 4 channels measured best: wider groups gained nothing, taller blocks of
  ;; rows 4 KiB apart thrash the L1 sets.)
  ;; The four channels' elements (size4 bytes) at A, the first two (lo) or the last two (hi) as an
  ;; f64x2, and X stored as the first two or the last two:
  ;; @f32 size4 = 16
  ;; @f64 size4 = 32
  ;; @f32 loadlo(A) = (f64x2.promote_low_f32x4 (v128.load64_zero A))
  ;; @f64 loadlo(A) = (v128.load A)
  ;; @f32 loadhi(A) = (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 A))
  ;; @f64 loadhi(A) = (v128.load offset=16 A)
  ;; @f32 storelo(A, X) = (v128.store64_lane 0 A (f32x4.demote_f64x2_zero X))
  ;; @f64 storelo(A, X) = (v128.store A X)
  ;; @f32 storehi(A, X) = (v128.store64_lane offset=8 0 A (f32x4.demote_f64x2_zero X))
  ;; @f64 storehi(A, X) = (v128.store offset=16 A X)
  ;; @for T in f32 f64

  ;; acc[ch] += x[i, ch]
  (func $sum2d_{{T}} (param $ld i32) (param $x i32) (param $n i32) (param $c i32) (param $acc i32)
    (local $i i32) (local $b i32) (local $rb i32) (local $o i32) (local $r i32) (local $end4 i32)
    (local $end i32) (local $p i32) (local $q i32)
    (local $acclo v128) (local $acchi v128) (local $v v128) (local $vg v128) (local $t v128)
    (local $sacc f64) (local $e f64)
    (local.set $rb (i32.mul (local.get $ld) (i32.const {{size}})))
    (local.set $end4 (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 3)))
    (local.set $end (i32.shl (local.get $c) (i32.const 3)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; the next b ≤ 4 rows, taken in order for each channel
        (local.set $b (i32.sub (local.get $n) (local.get $i)))
        (local.set $b (select (i32.const 4) (local.get $b) (i32.gt_u (local.get $b) (i32.const 4))))
        (local.set $p (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $rb))))
        (local.set $o (i32.const 0))
        (block $v4d
          (loop $v4
            (br_if $v4d (i32.ge_u (local.get $o) (local.get $end4)))
            (local.set $acclo (v128.load (i32.add (local.get $acc) (local.get $o))))
            (local.set $acchi (v128.load offset=16 (i32.add (local.get $acc) (local.get $o))))
            (local.set $q (local.get $p))
            (local.set $r (local.get $b))
            (loop $v4r
              (local.set $acclo (f64x2.add (local.get $acclo) {{loadlo (local.get $q)}}))
              (local.set $acchi (f64x2.add (local.get $acchi) {{loadhi (local.get $q)}}))
              (local.set $q (i32.add (local.get $q) (local.get $rb)))
              (local.set $r (i32.sub (local.get $r) (i32.const 1)))
              (br_if $v4r (local.get $r)))
            (v128.store (i32.add (local.get $acc) (local.get $o)) (local.get $acclo))
            (v128.store offset=16 (i32.add (local.get $acc) (local.get $o)) (local.get $acchi))
            (local.set $p (i32.add (local.get $p) (i32.const {{size4}})))
            (local.set $o (i32.add (local.get $o) (i32.const 32)))
            (br $v4)))
        (block $td
          (loop $t
            (br_if $td (i32.ge_u (local.get $o) (local.get $end)))
            (local.set $sacc (f64.load (i32.add (local.get $acc) (local.get $o))))
            (local.set $q (local.get $p))
            (local.set $r (local.get $b))
            (loop $tr
              (local.set $sacc (f64.add (local.get $sacc) {{load (local.get $q)}}))
              (local.set $q (i32.add (local.get $q) (local.get $rb)))
              (local.set $r (i32.sub (local.get $r) (i32.const 1)))
              (br_if $tr (local.get $r)))
            (f64.store (i32.add (local.get $acc) (local.get $o)) (local.get $sacc))
            (local.set $p (i32.add (local.get $p) (i32.const {{size}})))
            (local.set $o (i32.add (local.get $o) (i32.const 8)))
            (br $t)))
        (local.set $i (i32.add (local.get $i) (local.get $b)))
        (br $rows))))

  ;; d = x − mean; sd[ch] += d; ss[ch] += d·d
  (func $dev2d_{{T}} (param $ld i32) (param $x i32) (param $n i32) (param $c i32) (param $mean i32) (param $sd i32)
    (param $ss i32)
    (local $i i32) (local $b i32) (local $rb i32) (local $o i32) (local $r i32) (local $end4 i32)
    (local $end i32) (local $p i32) (local $q i32)
    (local $sdlo v128) (local $sdhi v128) (local $sslo v128) (local $sshi v128) (local $meanlo v128)
    (local $meanhi v128) (local $v v128) (local $vg v128) (local $t v128)
    (local $ssd f64) (local $sss f64) (local $smean f64) (local $e f64)
    (local.set $rb (i32.mul (local.get $ld) (i32.const {{size}})))
    (local.set $end4 (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 3)))
    (local.set $end (i32.shl (local.get $c) (i32.const 3)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; the next b ≤ 4 rows, taken in order for each channel
        (local.set $b (i32.sub (local.get $n) (local.get $i)))
        (local.set $b (select (i32.const 4) (local.get $b) (i32.gt_u (local.get $b) (i32.const 4))))
        (local.set $p (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $rb))))
        (local.set $o (i32.const 0))
        (block $v4d
          (loop $v4
            (br_if $v4d (i32.ge_u (local.get $o) (local.get $end4)))
            (local.set $sdlo (v128.load (i32.add (local.get $sd) (local.get $o))))
            (local.set $sdhi (v128.load offset=16 (i32.add (local.get $sd) (local.get $o))))
            (local.set $sslo (v128.load (i32.add (local.get $ss) (local.get $o))))
            (local.set $sshi (v128.load offset=16 (i32.add (local.get $ss) (local.get $o))))
            (local.set $meanlo (v128.load (i32.add (local.get $mean) (local.get $o))))
            (local.set $meanhi (v128.load offset=16 (i32.add (local.get $mean) (local.get $o))))
            (local.set $q (local.get $p))
            (local.set $r (local.get $b))
            (loop $v4r
              (local.set $t (f64x2.sub {{loadlo (local.get $q)}} (local.get $meanlo)))
              (local.set $sdlo (f64x2.add (local.get $sdlo) (local.get $t)))
              (local.set $sslo
                (f64x2.add (local.get $sslo) (f64x2.mul (local.get $t) (local.get $t))))
              (local.set $t (f64x2.sub {{loadhi (local.get $q)}} (local.get $meanhi)))
              (local.set $sdhi (f64x2.add (local.get $sdhi) (local.get $t)))
              (local.set $sshi
                (f64x2.add (local.get $sshi) (f64x2.mul (local.get $t) (local.get $t))))
              (local.set $q (i32.add (local.get $q) (local.get $rb)))
              (local.set $r (i32.sub (local.get $r) (i32.const 1)))
              (br_if $v4r (local.get $r)))
            (v128.store (i32.add (local.get $sd) (local.get $o)) (local.get $sdlo))
            (v128.store offset=16 (i32.add (local.get $sd) (local.get $o)) (local.get $sdhi))
            (v128.store (i32.add (local.get $ss) (local.get $o)) (local.get $sslo))
            (v128.store offset=16 (i32.add (local.get $ss) (local.get $o)) (local.get $sshi))
            (local.set $p (i32.add (local.get $p) (i32.const {{size4}})))
            (local.set $o (i32.add (local.get $o) (i32.const 32)))
            (br $v4)))
        (block $td
          (loop $t
            (br_if $td (i32.ge_u (local.get $o) (local.get $end)))
            (local.set $ssd (f64.load (i32.add (local.get $sd) (local.get $o))))
            (local.set $sss (f64.load (i32.add (local.get $ss) (local.get $o))))
            (local.set $smean (f64.load (i32.add (local.get $mean) (local.get $o))))
            (local.set $q (local.get $p))
            (local.set $r (local.get $b))
            (loop $tr
              (local.set $e (f64.sub {{load (local.get $q)}} (local.get $smean)))
              (local.set $ssd (f64.add (local.get $ssd) (local.get $e)))
              (local.set $sss (f64.add (local.get $sss) (f64.mul (local.get $e) (local.get $e))))
              (local.set $q (i32.add (local.get $q) (local.get $rb)))
              (local.set $r (i32.sub (local.get $r) (i32.const 1)))
              (br_if $tr (local.get $r)))
            (f64.store (i32.add (local.get $sd) (local.get $o)) (local.get $ssd))
            (f64.store (i32.add (local.get $ss) (local.get $o)) (local.get $sss))
            (local.set $p (i32.add (local.get $p) (i32.const {{size}})))
            (local.set $o (i32.add (local.get $o) (i32.const 8)))
            (br $t)))
        (local.set $i (i32.add (local.get $i) (local.get $b)))
        (br $rows))))

  ;; y = (x − mean)·scale + shift (y may be x)
  (func $norm2d_{{T}} (param $ld i32) (param $x i32) (param $y i32) (param $n i32) (param $c i32) (param $mean i32)
    (param $scale i32) (param $shift i32)
    (local $i i32) (local $b i32) (local $rb i32) (local $o i32) (local $r i32) (local $end4 i32)
    (local $end i32) (local $p i32) (local $q i32) (local $w i32) (local $u i32)
    (local $meanlo v128) (local $meanhi v128) (local $scalelo v128) (local $scalehi v128)
    (local $shiftlo v128) (local $shifthi v128) (local $v v128) (local $vg v128) (local $t v128)
    (local $smean f64) (local $sscale f64) (local $sshift f64) (local $e f64)
    (local.set $rb (i32.mul (local.get $ld) (i32.const {{size}})))
    (local.set $end4 (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 3)))
    (local.set $end (i32.shl (local.get $c) (i32.const 3)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; the next b ≤ 4 rows, taken in order for each channel
        (local.set $b (i32.sub (local.get $n) (local.get $i)))
        (local.set $b (select (i32.const 4) (local.get $b) (i32.gt_u (local.get $b) (i32.const 4))))
        (local.set $p (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $rb))))
        (local.set $w (i32.add (local.get $y) (i32.mul (local.get $i) (local.get $rb))))
        (local.set $o (i32.const 0))
        (block $v4d
          (loop $v4
            (br_if $v4d (i32.ge_u (local.get $o) (local.get $end4)))
            (local.set $meanlo (v128.load (i32.add (local.get $mean) (local.get $o))))
            (local.set $meanhi (v128.load offset=16 (i32.add (local.get $mean) (local.get $o))))
            (local.set $scalelo (v128.load (i32.add (local.get $scale) (local.get $o))))
            (local.set $scalehi (v128.load offset=16 (i32.add (local.get $scale) (local.get $o))))
            (local.set $shiftlo (v128.load (i32.add (local.get $shift) (local.get $o))))
            (local.set $shifthi (v128.load offset=16 (i32.add (local.get $shift) (local.get $o))))
            (local.set $q (local.get $p))
            (local.set $u (local.get $w))
            (local.set $r (local.get $b))
            (loop $v4r
              {{storelo (local.get $u)
                (f64x2.add
                  (f64x2.mul
                    (f64x2.sub {{loadlo (local.get $q)}} (local.get $meanlo))
                    (local.get $scalelo))
                  (local.get $shiftlo))}}
              {{storehi (local.get $u)
                (f64x2.add
                  (f64x2.mul
                    (f64x2.sub {{loadhi (local.get $q)}} (local.get $meanhi))
                    (local.get $scalehi))
                  (local.get $shifthi))}}
              (local.set $q (i32.add (local.get $q) (local.get $rb)))
              (local.set $u (i32.add (local.get $u) (local.get $rb)))
              (local.set $r (i32.sub (local.get $r) (i32.const 1)))
              (br_if $v4r (local.get $r)))
            (local.set $p (i32.add (local.get $p) (i32.const {{size4}})))
            (local.set $w (i32.add (local.get $w) (i32.const {{size4}})))
            (local.set $o (i32.add (local.get $o) (i32.const 32)))
            (br $v4)))
        (block $td
          (loop $t
            (br_if $td (i32.ge_u (local.get $o) (local.get $end)))
            (local.set $smean (f64.load (i32.add (local.get $mean) (local.get $o))))
            (local.set $sscale (f64.load (i32.add (local.get $scale) (local.get $o))))
            (local.set $sshift (f64.load (i32.add (local.get $shift) (local.get $o))))
            (local.set $q (local.get $p))
            (local.set $u (local.get $w))
            (local.set $r (local.get $b))
            (loop $tr
              {{store (local.get $u)
                (f64.add
                  (f64.mul
                    (f64.sub {{load (local.get $q)}} (local.get $smean))
                    (local.get $sscale))
                  (local.get $sshift))}}
              (local.set $q (i32.add (local.get $q) (local.get $rb)))
              (local.set $u (i32.add (local.get $u) (local.get $rb)))
              (local.set $r (i32.sub (local.get $r) (i32.const 1)))
              (br_if $tr (local.get $r)))
            (local.set $p (i32.add (local.get $p) (i32.const {{size}})))
            (local.set $w (i32.add (local.get $w) (i32.const {{size}})))
            (local.set $o (i32.add (local.get $o) (i32.const 8)))
            (br $t)))
        (local.set $i (i32.add (local.get $i) (local.get $b)))
        (br $rows))))

  ;; sdy[ch] += g; sdyx[ch] += g·(x − mean)·invstd
  (func $grad2d_{{T}} (param $ld i32) (param $x i32) (param $dy i32) (param $n i32) (param $c i32) (param $mean i32)
    (param $invstd i32) (param $sdy i32) (param $sdyx i32)
    (local $i i32) (local $b i32) (local $rb i32) (local $o i32) (local $r i32) (local $end4 i32)
    (local $end i32) (local $p i32) (local $q i32) (local $g i32) (local $h i32)
    (local $sdylo v128) (local $sdyhi v128) (local $sdyxlo v128) (local $sdyxhi v128)
    (local $meanlo v128) (local $meanhi v128) (local $invstdlo v128) (local $invstdhi v128)
    (local $v v128) (local $vg v128) (local $t v128)
    (local $ssdy f64) (local $ssdyx f64) (local $smean f64) (local $sinvstd f64) (local $e f64)
    (local.set $rb (i32.mul (local.get $ld) (i32.const {{size}})))
    (local.set $end4 (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 3)))
    (local.set $end (i32.shl (local.get $c) (i32.const 3)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; the next b ≤ 4 rows, taken in order for each channel
        (local.set $b (i32.sub (local.get $n) (local.get $i)))
        (local.set $b (select (i32.const 4) (local.get $b) (i32.gt_u (local.get $b) (i32.const 4))))
        (local.set $p (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $rb))))
        (local.set $g (i32.add (local.get $dy) (i32.mul (local.get $i) (local.get $rb))))
        (local.set $o (i32.const 0))
        (block $v4d
          (loop $v4
            (br_if $v4d (i32.ge_u (local.get $o) (local.get $end4)))
            (local.set $sdylo (v128.load (i32.add (local.get $sdy) (local.get $o))))
            (local.set $sdyhi (v128.load offset=16 (i32.add (local.get $sdy) (local.get $o))))
            (local.set $sdyxlo (v128.load (i32.add (local.get $sdyx) (local.get $o))))
            (local.set $sdyxhi (v128.load offset=16 (i32.add (local.get $sdyx) (local.get $o))))
            (local.set $meanlo (v128.load (i32.add (local.get $mean) (local.get $o))))
            (local.set $meanhi (v128.load offset=16 (i32.add (local.get $mean) (local.get $o))))
            (local.set $invstdlo (v128.load (i32.add (local.get $invstd) (local.get $o))))
            (local.set $invstdhi (v128.load offset=16 (i32.add (local.get $invstd) (local.get $o))))
            (local.set $q (local.get $p))
            (local.set $h (local.get $g))
            (local.set $r (local.get $b))
            (loop $v4r
              (local.set $t {{loadlo (local.get $h)}})
              (local.set $sdylo (f64x2.add (local.get $sdylo) (local.get $t)))
              (local.set $sdyxlo
                (f64x2.add
                  (local.get $sdyxlo)
                  (f64x2.mul
                    (f64x2.mul (local.get $t) (f64x2.sub {{loadlo (local.get $q)}} (local.get $meanlo)))
                    (local.get $invstdlo))))
              (local.set $t {{loadhi (local.get $h)}})
              (local.set $sdyhi (f64x2.add (local.get $sdyhi) (local.get $t)))
              (local.set $sdyxhi
                (f64x2.add
                  (local.get $sdyxhi)
                  (f64x2.mul
                    (f64x2.mul (local.get $t) (f64x2.sub {{loadhi (local.get $q)}} (local.get $meanhi)))
                    (local.get $invstdhi))))
              (local.set $q (i32.add (local.get $q) (local.get $rb)))
              (local.set $h (i32.add (local.get $h) (local.get $rb)))
              (local.set $r (i32.sub (local.get $r) (i32.const 1)))
              (br_if $v4r (local.get $r)))
            (v128.store (i32.add (local.get $sdy) (local.get $o)) (local.get $sdylo))
            (v128.store offset=16 (i32.add (local.get $sdy) (local.get $o)) (local.get $sdyhi))
            (v128.store (i32.add (local.get $sdyx) (local.get $o)) (local.get $sdyxlo))
            (v128.store offset=16 (i32.add (local.get $sdyx) (local.get $o)) (local.get $sdyxhi))
            (local.set $p (i32.add (local.get $p) (i32.const {{size4}})))
            (local.set $g (i32.add (local.get $g) (i32.const {{size4}})))
            (local.set $o (i32.add (local.get $o) (i32.const 32)))
            (br $v4)))
        (block $td
          (loop $t
            (br_if $td (i32.ge_u (local.get $o) (local.get $end)))
            (local.set $ssdy (f64.load (i32.add (local.get $sdy) (local.get $o))))
            (local.set $ssdyx (f64.load (i32.add (local.get $sdyx) (local.get $o))))
            (local.set $smean (f64.load (i32.add (local.get $mean) (local.get $o))))
            (local.set $sinvstd (f64.load (i32.add (local.get $invstd) (local.get $o))))
            (local.set $q (local.get $p))
            (local.set $h (local.get $g))
            (local.set $r (local.get $b))
            (loop $tr
              (local.set $e {{load (local.get $h)}})
              (local.set $ssdy (f64.add (local.get $ssdy) (local.get $e)))
              (local.set $ssdyx
                (f64.add
                  (local.get $ssdyx)
                  (f64.mul
                    (f64.mul (local.get $e) (f64.sub {{load (local.get $q)}} (local.get $smean)))
                    (local.get $sinvstd))))
              (local.set $q (i32.add (local.get $q) (local.get $rb)))
              (local.set $h (i32.add (local.get $h) (local.get $rb)))
              (local.set $r (i32.sub (local.get $r) (i32.const 1)))
              (br_if $tr (local.get $r)))
            (f64.store (i32.add (local.get $sdy) (local.get $o)) (local.get $ssdy))
            (f64.store (i32.add (local.get $sdyx) (local.get $o)) (local.get $ssdyx))
            (local.set $p (i32.add (local.get $p) (i32.const {{size}})))
            (local.set $g (i32.add (local.get $g) (i32.const {{size}})))
            (local.set $o (i32.add (local.get $o) (i32.const 8)))
            (br $t)))
        (local.set $i (i32.add (local.get $i) (local.get $b)))
        (br $rows))))

  ;; dx = scale·(dy − mdy − x̂·mdyx) with x̂ = (x − mean)·invstd (dx may be dy)
  (func $dx2d_{{T}} (param $ld i32) (param $x i32) (param $dy i32) (param $dx i32) (param $n i32) (param $c i32)
    (param $mean i32) (param $invstd i32) (param $scale i32) (param $mdy i32) (param $mdyx i32)
    (local $i i32) (local $b i32) (local $rb i32) (local $o i32) (local $r i32) (local $end4 i32)
    (local $end i32) (local $p i32) (local $q i32) (local $g i32) (local $h i32) (local $w i32)
    (local $u i32)
    (local $meanlo v128) (local $meanhi v128) (local $invstdlo v128) (local $invstdhi v128)
    (local $scalelo v128) (local $scalehi v128) (local $mdylo v128) (local $mdyhi v128)
    (local $mdyxlo v128) (local $mdyxhi v128) (local $v v128) (local $vg v128) (local $t v128)
    (local $smean f64) (local $sinvstd f64) (local $sscale f64) (local $smdy f64) (local $smdyx f64)
    (local $e f64)
    (local.set $rb (i32.mul (local.get $ld) (i32.const {{size}})))
    (local.set $end4 (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 3)))
    (local.set $end (i32.shl (local.get $c) (i32.const 3)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; the next b ≤ 4 rows, taken in order for each channel
        (local.set $b (i32.sub (local.get $n) (local.get $i)))
        (local.set $b (select (i32.const 4) (local.get $b) (i32.gt_u (local.get $b) (i32.const 4))))
        (local.set $p (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $rb))))
        (local.set $g (i32.add (local.get $dy) (i32.mul (local.get $i) (local.get $rb))))
        (local.set $w (i32.add (local.get $dx) (i32.mul (local.get $i) (local.get $rb))))
        (local.set $o (i32.const 0))
        (block $v4d
          (loop $v4
            (br_if $v4d (i32.ge_u (local.get $o) (local.get $end4)))
            (local.set $meanlo (v128.load (i32.add (local.get $mean) (local.get $o))))
            (local.set $meanhi (v128.load offset=16 (i32.add (local.get $mean) (local.get $o))))
            (local.set $invstdlo (v128.load (i32.add (local.get $invstd) (local.get $o))))
            (local.set $invstdhi (v128.load offset=16 (i32.add (local.get $invstd) (local.get $o))))
            (local.set $scalelo (v128.load (i32.add (local.get $scale) (local.get $o))))
            (local.set $scalehi (v128.load offset=16 (i32.add (local.get $scale) (local.get $o))))
            (local.set $mdylo (v128.load (i32.add (local.get $mdy) (local.get $o))))
            (local.set $mdyhi (v128.load offset=16 (i32.add (local.get $mdy) (local.get $o))))
            (local.set $mdyxlo (v128.load (i32.add (local.get $mdyx) (local.get $o))))
            (local.set $mdyxhi (v128.load offset=16 (i32.add (local.get $mdyx) (local.get $o))))
            (local.set $q (local.get $p))
            (local.set $h (local.get $g))
            (local.set $u (local.get $w))
            (local.set $r (local.get $b))
            (loop $v4r
              {{storelo (local.get $u)
                (f64x2.mul
                  (local.get $scalelo)
                  (f64x2.sub
                    (f64x2.sub {{loadlo (local.get $h)}} (local.get $mdylo))
                    (f64x2.mul
                      (f64x2.mul
                        (f64x2.sub {{loadlo (local.get $q)}} (local.get $meanlo))
                        (local.get $invstdlo))
                      (local.get $mdyxlo))))}}
              {{storehi (local.get $u)
                (f64x2.mul
                  (local.get $scalehi)
                  (f64x2.sub
                    (f64x2.sub {{loadhi (local.get $h)}} (local.get $mdyhi))
                    (f64x2.mul
                      (f64x2.mul
                        (f64x2.sub {{loadhi (local.get $q)}} (local.get $meanhi))
                        (local.get $invstdhi))
                      (local.get $mdyxhi))))}}
              (local.set $q (i32.add (local.get $q) (local.get $rb)))
              (local.set $h (i32.add (local.get $h) (local.get $rb)))
              (local.set $u (i32.add (local.get $u) (local.get $rb)))
              (local.set $r (i32.sub (local.get $r) (i32.const 1)))
              (br_if $v4r (local.get $r)))
            (local.set $p (i32.add (local.get $p) (i32.const {{size4}})))
            (local.set $g (i32.add (local.get $g) (i32.const {{size4}})))
            (local.set $w (i32.add (local.get $w) (i32.const {{size4}})))
            (local.set $o (i32.add (local.get $o) (i32.const 32)))
            (br $v4)))
        (block $td
          (loop $t
            (br_if $td (i32.ge_u (local.get $o) (local.get $end)))
            (local.set $smean (f64.load (i32.add (local.get $mean) (local.get $o))))
            (local.set $sinvstd (f64.load (i32.add (local.get $invstd) (local.get $o))))
            (local.set $sscale (f64.load (i32.add (local.get $scale) (local.get $o))))
            (local.set $smdy (f64.load (i32.add (local.get $mdy) (local.get $o))))
            (local.set $smdyx (f64.load (i32.add (local.get $mdyx) (local.get $o))))
            (local.set $q (local.get $p))
            (local.set $h (local.get $g))
            (local.set $u (local.get $w))
            (local.set $r (local.get $b))
            (loop $tr
              {{store (local.get $u)
                (f64.mul
                  (local.get $sscale)
                  (f64.sub
                    (f64.sub {{load (local.get $h)}} (local.get $smdy))
                    (f64.mul
                      (f64.mul
                        (f64.sub {{load (local.get $q)}} (local.get $smean))
                        (local.get $sinvstd))
                      (local.get $smdyx))))}}
              (local.set $q (i32.add (local.get $q) (local.get $rb)))
              (local.set $h (i32.add (local.get $h) (local.get $rb)))
              (local.set $u (i32.add (local.get $u) (local.get $rb)))
              (local.set $r (i32.sub (local.get $r) (i32.const 1)))
              (br_if $tr (local.get $r)))
            (local.set $p (i32.add (local.get $p) (i32.const {{size}})))
            (local.set $g (i32.add (local.get $g) (i32.const {{size}})))
            (local.set $w (i32.add (local.get $w) (i32.const {{size}})))
            (local.set $o (i32.add (local.get $o) (i32.const 8)))
            (br $t)))
        (local.set $i (i32.add (local.get $i) (local.get $b)))
        (br $rows))))
  ;; @end

  ;; ---------------------------------------------------------------------------------------------
  ;; [N, C, L]: rows are the N·C segments of L values; four rows at a time, one per lane (loaded
  ;; with load32_lane or load64_lane), each summed sequentially; element-wise passes run along a
  ;; row, one v128 per step (four f32 values or two f64).
  ;; The elements at A and B (two rows) as the lanes of an f64x2:
  ;; @f32 load2(A, B) = (f64x2.promote_low_f32x4 (v128.load32_lane 1 B (v128.load32_zero A)))
  ;; @f64 load2(A, B) = (v128.load64_lane 1 B (v128.load64_zero A))
  ;; @for T in f32 f64

  ;; acc[ch] += Σ_k x[row, k], rows in order.
  (func $sum3d_{{T}} (param $x i32) (param $rows i32) (param $c i32) (param $l i32) (param $acc i32)
    (local $r i32) (local $ch i32) (local $p i32) (local $q i32) (local $qend i32) (local $lb i32)
    (local $s01 v128) (local $s23 v128) (local $s f64)
    (local.set $lb (i32.shl (local.get $l) (i32.const {{shift}})))
    (local.set $p (local.get $x))
    (block $done
      (loop $group
        (br_if $done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
        (local.set $s01 (v128.const i64x2 0 0))
        (local.set $s23 (v128.const i64x2 0 0))
        (local.set $q (local.get $p))
        (local.set $qend (i32.add (local.get $p) (local.get $lb)))
        (block $kd
          (loop $k
            (br_if $kd (i32.ge_u (local.get $q) (local.get $qend)))
            (local.set $s01
              (f64x2.add (local.get $s01)
                {{load2 (local.get $q) (i32.add (local.get $q) (local.get $lb))}}))
            (local.set $s23
              (f64x2.add (local.get $s23)
                {{load2 (i32.add (local.get $q) (i32.shl (local.get $lb) (i32.const 1)))
                  (i32.add (local.get $q) (i32.mul (local.get $lb) (i32.const 3)))}}))
            (local.set $q (i32.add (local.get $q) (i32.const {{size}})))
            (br $k)))
        (local.set $ch (call $add4 (local.get $acc) (local.get $ch) (local.get $c) (local.get $s01) (local.get $s23)))
        (local.set $p (i32.add (local.get $p) (i32.shl (local.get $lb) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $group)))
    (block $done1
      (loop $row
        (br_if $done1 (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $s (f64.const 0))
        (local.set $qend (i32.add (local.get $p) (local.get $lb)))
        (block $kd1
          (loop $k1
            (br_if $kd1 (i32.ge_u (local.get $p) (local.get $qend)))
            (local.set $s (f64.add (local.get $s) {{load (local.get $p)}}))
            (local.set $p (i32.add (local.get $p) (i32.const {{size}})))
            (br $k1)))
        (local.set $q (i32.add (local.get $acc) (i32.shl (local.get $ch) (i32.const 3))))
        (f64.store (local.get $q) (f64.add (f64.load (local.get $q)) (local.get $s)))
        (local.set $ch (call $next (local.get $ch) (local.get $c)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; d = x − mean; sd[ch] += Σ_k d, ss[ch] += Σ_k d², rows in order.
  (func $dev3d_{{T}} (param $x i32) (param $rows i32) (param $c i32) (param $l i32)
    (param $mean i32) (param $sd i32) (param $ss i32)
    (local $r i32) (local $ch i32) (local $p i32) (local $q i32) (local $qend i32) (local $lb i32)
    (local $mu01 v128) (local $mu23 v128) (local $s01 v128) (local $s23 v128)
    (local $t01 v128) (local $t23 v128) (local $d v128)
    (local $mu f64) (local $s f64) (local $t f64) (local $e f64)
    (local.set $lb (i32.shl (local.get $l) (i32.const {{shift}})))
    (local.set $p (local.get $x))
    (block $done
      (loop $group
        (br_if $done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
        (local.set $mu01 (call $pair (local.get $mean) (local.get $ch) (local.get $c)))
        (local.set $mu23
          (call $pair (local.get $mean)
            (call $next (call $next (local.get $ch) (local.get $c)) (local.get $c)) (local.get $c)))
        (local.set $s01 (v128.const i64x2 0 0))
        (local.set $s23 (v128.const i64x2 0 0))
        (local.set $t01 (v128.const i64x2 0 0))
        (local.set $t23 (v128.const i64x2 0 0))
        (local.set $q (local.get $p))
        (local.set $qend (i32.add (local.get $p) (local.get $lb)))
        (block $kd
          (loop $k
            (br_if $kd (i32.ge_u (local.get $q) (local.get $qend)))
            (local.set $d
              (f64x2.sub
                {{load2 (local.get $q) (i32.add (local.get $q) (local.get $lb))}}
                (local.get $mu01)))
            (local.set $s01 (f64x2.add (local.get $s01) (local.get $d)))
            (local.set $t01 (f64x2.add (local.get $t01) (f64x2.mul (local.get $d) (local.get $d))))
            (local.set $d
              (f64x2.sub
                {{load2 (i32.add (local.get $q) (i32.shl (local.get $lb) (i32.const 1)))
                  (i32.add (local.get $q) (i32.mul (local.get $lb) (i32.const 3)))}}
                (local.get $mu23)))
            (local.set $s23 (f64x2.add (local.get $s23) (local.get $d)))
            (local.set $t23 (f64x2.add (local.get $t23) (f64x2.mul (local.get $d) (local.get $d))))
            (local.set $q (i32.add (local.get $q) (i32.const {{size}})))
            (br $k)))
        (drop (call $add4 (local.get $sd) (local.get $ch) (local.get $c) (local.get $s01) (local.get $s23)))
        (local.set $ch (call $add4 (local.get $ss) (local.get $ch) (local.get $c) (local.get $t01) (local.get $t23)))
        (local.set $p (i32.add (local.get $p) (i32.shl (local.get $lb) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $group)))
    (block $done1
      (loop $row
        (br_if $done1 (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $mu (f64.load (i32.add (local.get $mean) (i32.shl (local.get $ch) (i32.const 3)))))
        (local.set $s (f64.const 0))
        (local.set $t (f64.const 0))
        (local.set $qend (i32.add (local.get $p) (local.get $lb)))
        (block $kd1
          (loop $k1
            (br_if $kd1 (i32.ge_u (local.get $p) (local.get $qend)))
            (local.set $e (f64.sub {{load (local.get $p)}} (local.get $mu)))
            (local.set $s (f64.add (local.get $s) (local.get $e)))
            (local.set $t (f64.add (local.get $t) (f64.mul (local.get $e) (local.get $e))))
            (local.set $p (i32.add (local.get $p) (i32.const {{size}})))
            (br $k1)))
        (local.set $q (i32.add (local.get $sd) (i32.shl (local.get $ch) (i32.const 3))))
        (f64.store (local.get $q) (f64.add (f64.load (local.get $q)) (local.get $s)))
        (local.set $q (i32.add (local.get $ss) (i32.shl (local.get $ch) (i32.const 3))))
        (f64.store (local.get $q) (f64.add (f64.load (local.get $q)) (local.get $t)))
        (local.set $ch (call $next (local.get $ch) (local.get $c)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; y = (x − mean)·scale + shift along each row (y may be x).
  (func $norm3d_{{T}} (param $x i32) (param $y i32) (param $rows i32) (param $c i32) (param $l i32)
    (param $mean i32) (param $scale i32) (param $shift i32)
    (local $r i32) (local $ch i32) (local $p i32) (local $q i32) (local $vend i32) (local $end i32)
    (local $mu f64) (local $sc f64) (local $sh f64) (local $vmu v128) (local $vsc v128) (local $vsh v128)
    ;; @f32
    (local $v v128)
    ;; @end
    (local.set $p (local.get $x))
    (local.set $q (local.get $y))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $mu (f64.load (i32.add (local.get $mean) (i32.shl (local.get $ch) (i32.const 3)))))
        (local.set $sc (f64.load (i32.add (local.get $scale) (i32.shl (local.get $ch) (i32.const 3)))))
        (local.set $sh (f64.load (i32.add (local.get $shift) (i32.shl (local.get $ch) (i32.const 3)))))
        (local.set $vmu (f64x2.splat (local.get $mu)))
        (local.set $vsc (f64x2.splat (local.get $sc)))
        (local.set $vsh (f64x2.splat (local.get $sh)))
        (local.set $vend (i32.add (local.get $p) (i32.shl (i32.and (local.get $l) (i32.const -{{lanes}})) (i32.const {{shift}}))))
        (local.set $end (i32.add (local.get $p) (i32.shl (local.get $l) (i32.const {{shift}}))))
        (block $vd
          (loop $vec
            (br_if $vd (i32.ge_u (local.get $p) (local.get $vend)))
            ;; @f32
            ;; the four f32 as two f64x2 (the high two shuffled down), rejoined after demotion
            (local.set $v (v128.load (local.get $p)))
            (v128.store (local.get $q)
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                (f32x4.demote_f64x2_zero
                  (f64x2.add
                    (f64x2.mul
                      (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (local.get $vmu))
                      (local.get $vsc))
                    (local.get $vsh)))
                (f32x4.demote_f64x2_zero
                  (f64x2.add
                    (f64x2.mul
                      (f64x2.sub
                        (f64x2.promote_low_f32x4
                          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
                        (local.get $vmu))
                      (local.get $vsc))
                    (local.get $vsh)))))
            ;; @f64
            (v128.store (local.get $q)
              (f64x2.add
                (f64x2.mul (f64x2.sub (v128.load (local.get $p)) (local.get $vmu)) (local.get $vsc))
                (local.get $vsh)))
            ;; @end
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (br $vec)))
        (block $td
          (loop $t
            (br_if $td (i32.ge_u (local.get $p) (local.get $end)))
            {{store (local.get $q)
              (f64.add
                (f64.mul (f64.sub {{load (local.get $p)}} (local.get $mu)) (local.get $sc))
                (local.get $sh))}}
            (local.set $p (i32.add (local.get $p) (i32.const {{size}})))
            (local.set $q (i32.add (local.get $q) (i32.const {{size}})))
            (br $t)))
        (local.set $ch (call $next (local.get $ch) (local.get $c)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; sdy[ch] += Σ_k g, sdyx[ch] += Σ_k g·(x − mean)·invstd, rows in order.
  (func $grad3d_{{T}} (param $x i32) (param $dy i32) (param $rows i32) (param $c i32) (param $l i32)
    (param $mean i32) (param $invstd i32) (param $sdy i32) (param $sdyx i32)
    (local $r i32) (local $ch i32) (local $p i32) (local $g i32) (local $qend i32) (local $lb i32)
    (local $mu01 v128) (local $mu23 v128) (local $is01 v128) (local $is23 v128)
    (local $s01 v128) (local $s23 v128) (local $t01 v128) (local $t23 v128) (local $gv v128)
    (local $mu f64) (local $is f64) (local $s f64) (local $t f64) (local $e f64)
    (local.set $lb (i32.shl (local.get $l) (i32.const {{shift}})))
    (local.set $p (local.get $x))
    (local.set $g (local.get $dy))
    (block $done
      (loop $group
        (br_if $done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
        (local.set $mu01 (call $pair (local.get $mean) (local.get $ch) (local.get $c)))
        (local.set $is01 (call $pair (local.get $invstd) (local.get $ch) (local.get $c)))
        (local.set $mu23
          (call $pair (local.get $mean)
            (call $next (call $next (local.get $ch) (local.get $c)) (local.get $c)) (local.get $c)))
        (local.set $is23
          (call $pair (local.get $invstd)
            (call $next (call $next (local.get $ch) (local.get $c)) (local.get $c)) (local.get $c)))
        (local.set $s01 (v128.const i64x2 0 0))
        (local.set $s23 (v128.const i64x2 0 0))
        (local.set $t01 (v128.const i64x2 0 0))
        (local.set $t23 (v128.const i64x2 0 0))
        (local.set $qend (i32.add (local.get $p) (local.get $lb)))
        (block $kd
          (loop $k
            (br_if $kd (i32.ge_u (local.get $p) (local.get $qend)))
            (local.set $gv {{load2 (local.get $g) (i32.add (local.get $g) (local.get $lb))}})
            (local.set $s01 (f64x2.add (local.get $s01) (local.get $gv)))
            (local.set $t01
              (f64x2.add (local.get $t01)
                (f64x2.mul
                  (f64x2.mul (local.get $gv)
                    (f64x2.sub
                      {{load2 (local.get $p) (i32.add (local.get $p) (local.get $lb))}}
                      (local.get $mu01)))
                  (local.get $is01))))
            (local.set $gv
              {{load2 (i32.add (local.get $g) (i32.shl (local.get $lb) (i32.const 1)))
                (i32.add (local.get $g) (i32.mul (local.get $lb) (i32.const 3)))}})
            (local.set $s23 (f64x2.add (local.get $s23) (local.get $gv)))
            (local.set $t23
              (f64x2.add (local.get $t23)
                (f64x2.mul
                  (f64x2.mul (local.get $gv)
                    (f64x2.sub
                      {{load2 (i32.add (local.get $p) (i32.shl (local.get $lb) (i32.const 1)))
                        (i32.add (local.get $p) (i32.mul (local.get $lb) (i32.const 3)))}}
                      (local.get $mu23)))
                  (local.get $is23))))
            (local.set $p (i32.add (local.get $p) (i32.const {{size}})))
            (local.set $g (i32.add (local.get $g) (i32.const {{size}})))
            (br $k)))
        (drop (call $add4 (local.get $sdy) (local.get $ch) (local.get $c) (local.get $s01) (local.get $s23)))
        (local.set $ch (call $add4 (local.get $sdyx) (local.get $ch) (local.get $c) (local.get $t01) (local.get $t23)))
        ;; p and g stand at the end of the group's first row: skip the other three.
        (local.set $p (i32.add (local.get $p) (i32.mul (local.get $lb) (i32.const 3))))
        (local.set $g (i32.add (local.get $g) (i32.mul (local.get $lb) (i32.const 3))))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $group)))
    (block $done1
      (loop $row
        (br_if $done1 (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $mu (f64.load (i32.add (local.get $mean) (i32.shl (local.get $ch) (i32.const 3)))))
        (local.set $is (f64.load (i32.add (local.get $invstd) (i32.shl (local.get $ch) (i32.const 3)))))
        (local.set $s (f64.const 0))
        (local.set $t (f64.const 0))
        (local.set $qend (i32.add (local.get $p) (local.get $lb)))
        (block $kd1
          (loop $k1
            (br_if $kd1 (i32.ge_u (local.get $p) (local.get $qend)))
            (local.set $e {{load (local.get $g)}})
            (local.set $s (f64.add (local.get $s) (local.get $e)))
            (local.set $t
              (f64.add (local.get $t)
                (f64.mul
                  (f64.mul (local.get $e) (f64.sub {{load (local.get $p)}} (local.get $mu)))
                  (local.get $is))))
            (local.set $p (i32.add (local.get $p) (i32.const {{size}})))
            (local.set $g (i32.add (local.get $g) (i32.const {{size}})))
            (br $k1)))
        (local.set $qend (i32.add (local.get $sdy) (i32.shl (local.get $ch) (i32.const 3))))
        (f64.store (local.get $qend) (f64.add (f64.load (local.get $qend)) (local.get $s)))
        (local.set $qend (i32.add (local.get $sdyx) (i32.shl (local.get $ch) (i32.const 3))))
        (f64.store (local.get $qend) (f64.add (f64.load (local.get $qend)) (local.get $t)))
        (local.set $ch (call $next (local.get $ch) (local.get $c)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; Along each row: batch statistics dx = scale·(dy − mdy − x̂·mdyx) with x̂ = (x − mean)·invstd,
  ;; constant statistics dx = scale·dy (dx may be dy).
  (func $dx3d_{{T}} (param $x i32) (param $dy i32) (param $dx i32) (param $rows i32) (param $c i32)
    (param $l i32) (param $mean i32) (param $invstd i32) (param $scale i32) (param $mdy i32)
    (param $mdyx i32) (param $batch i32)
    (local $r i32) (local $ch i32) (local $p i32) (local $q i32) (local $w i32) (local $vend i32)
    (local $end i32) (local $o i32)
    (local $mu f64) (local $is f64) (local $sc f64) (local $a f64) (local $b f64)
    (local $vmu v128) (local $vis v128) (local $vsc v128) (local $va v128) (local $vb v128)
    ;; @f32
    (local $v v128) (local $gv v128)
    ;; @end
    (local.set $p (local.get $x))
    (local.set $q (local.get $dy))
    (local.set $w (local.get $dx))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $o (i32.shl (local.get $ch) (i32.const 3)))
        (local.set $mu (f64.load (i32.add (local.get $mean) (local.get $o))))
        (local.set $is (f64.load (i32.add (local.get $invstd) (local.get $o))))
        (local.set $sc (f64.load (i32.add (local.get $scale) (local.get $o))))
        (local.set $a (f64.load (i32.add (local.get $mdy) (local.get $o))))
        (local.set $b (f64.load (i32.add (local.get $mdyx) (local.get $o))))
        (local.set $vmu (f64x2.splat (local.get $mu)))
        (local.set $vis (f64x2.splat (local.get $is)))
        (local.set $vsc (f64x2.splat (local.get $sc)))
        (local.set $va (f64x2.splat (local.get $a)))
        (local.set $vb (f64x2.splat (local.get $b)))
        (local.set $vend (i32.add (local.get $p) (i32.shl (i32.and (local.get $l) (i32.const -{{lanes}})) (i32.const {{shift}}))))
        (local.set $end (i32.add (local.get $p) (i32.shl (local.get $l) (i32.const {{shift}}))))
        (if (local.get $batch)
          (then
            (block $vd
              (loop $vec
                (br_if $vd (i32.ge_u (local.get $p) (local.get $vend)))
                ;; @f32
                ;; as in norm3d: two f64x2 halves, rejoined after demotion
                (local.set $v (v128.load (local.get $p)))
                (local.set $gv (v128.load (local.get $q)))
                (v128.store (local.get $w)
                  (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                    (f32x4.demote_f64x2_zero
                      (f64x2.mul (local.get $vsc)
                        (f64x2.sub
                          (f64x2.sub (f64x2.promote_low_f32x4 (local.get $gv)) (local.get $va))
                          (f64x2.mul
                            (f64x2.mul
                              (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (local.get $vmu))
                              (local.get $vis))
                            (local.get $vb)))))
                    (f32x4.demote_f64x2_zero
                      (f64x2.mul (local.get $vsc)
                        (f64x2.sub
                          (f64x2.sub
                            (f64x2.promote_low_f32x4
                              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $gv) (local.get $gv)))
                            (local.get $va))
                          (f64x2.mul
                            (f64x2.mul
                              (f64x2.sub
                                (f64x2.promote_low_f32x4
                                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
                                (local.get $vmu))
                              (local.get $vis))
                            (local.get $vb)))))))
                ;; @f64
                (v128.store (local.get $w)
                  (f64x2.mul (local.get $vsc)
                    (f64x2.sub
                      (f64x2.sub (v128.load (local.get $q)) (local.get $va))
                      (f64x2.mul
                        (f64x2.mul (f64x2.sub (v128.load (local.get $p)) (local.get $vmu)) (local.get $vis))
                        (local.get $vb)))))
                ;; @end
                (local.set $p (i32.add (local.get $p) (i32.const 16)))
                (local.set $q (i32.add (local.get $q) (i32.const 16)))
                (local.set $w (i32.add (local.get $w) (i32.const 16)))
                (br $vec)))
            (block $td
              (loop $t
                (br_if $td (i32.ge_u (local.get $p) (local.get $end)))
                {{store (local.get $w)
                  (f64.mul (local.get $sc)
                    (f64.sub
                      (f64.sub {{load (local.get $q)}} (local.get $a))
                      (f64.mul
                        (f64.mul (f64.sub {{load (local.get $p)}} (local.get $mu)) (local.get $is))
                        (local.get $b))))}}
                (local.set $p (i32.add (local.get $p) (i32.const {{size}})))
                (local.set $q (i32.add (local.get $q) (i32.const {{size}})))
                (local.set $w (i32.add (local.get $w) (i32.const {{size}})))
                (br $t))))
          (else
            (block $vd2
              (loop $vec2
                (br_if $vd2 (i32.ge_u (local.get $p) (local.get $vend)))
                ;; @f32
                (local.set $gv (v128.load (local.get $q)))
                (v128.store (local.get $w)
                  (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                    (f32x4.demote_f64x2_zero
                      (f64x2.mul (local.get $vsc) (f64x2.promote_low_f32x4 (local.get $gv))))
                    (f32x4.demote_f64x2_zero
                      (f64x2.mul (local.get $vsc)
                        (f64x2.promote_low_f32x4
                          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $gv) (local.get $gv)))))))
                ;; @f64
                (v128.store (local.get $w) (f64x2.mul (local.get $vsc) (v128.load (local.get $q))))
                ;; @end
                (local.set $p (i32.add (local.get $p) (i32.const 16)))
                (local.set $q (i32.add (local.get $q) (i32.const 16)))
                (local.set $w (i32.add (local.get $w) (i32.const 16)))
                (br $vec2)))
            (block $td2
              (loop $t2
                (br_if $td2 (i32.ge_u (local.get $p) (local.get $end)))
                {{store (local.get $w) (f64.mul (local.get $sc) {{load (local.get $q)}})}}
                (local.set $p (i32.add (local.get $p) (i32.const {{size}})))
                (local.set $q (i32.add (local.get $q) (i32.const {{size}})))
                (local.set $w (i32.add (local.get $w) (i32.const {{size}})))
                (br $t2)))))
        (local.set $ch (call $next (local.get $ch) (local.get $c)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))
  ;; @end

  ;; ---------------------------------------------------------------------------------------------
  ;; Entry points. Per-channel vectors are f64 arrays of c values at the given offsets.

  ;; Forward over x (f32 when $f32, else f64) into y (y may be x). With $batch the statistics come
  ;; from x: mean, sumSq and invstd are written, tmp is scratch. Otherwise mean and invstd are read.
  ;; w holds the weight (ones when absent) and becomes the scale invstd·w; b holds the bias (zeros).
  (func $forward (export "forward") (param $ld i32) (param $f32 i32) (param $x i32) (param $y i32) (param $n i32) (param $c i32)
    (param $l i32) (param $mean i32) (param $invstd i32) (param $sumSq i32) (param $tmp i32)
    (param $w i32) (param $b i32) (param $eps f64) (param $batch i32)
    (local $cb i32) (local $rows i32) (local $m f64)
    (local.set $cb (i32.shl (local.get $c) (i32.const 3)))
    (local.set $rows (i32.mul (local.get $n) (local.get $c)))
    (local.set $m (f64.convert_i32_u (i32.mul (local.get $n) (local.get $l))))
    (if (local.get $batch)
      (then
        (memory.fill (local.get $mean) (i32.const 0) (local.get $cb))
        (memory.fill (local.get $sumSq) (i32.const 0) (local.get $cb))
        (memory.fill (local.get $tmp) (i32.const 0) (local.get $cb))
        (if (i32.eq (local.get $l) (i32.const 1))
          (then
            (if (local.get $f32)
              (then (call $sum2d_f32 (local.get $ld) (local.get $x) (local.get $n) (local.get $c) (local.get $mean)))
              (else (call $sum2d_f64 (local.get $ld) (local.get $x) (local.get $n) (local.get $c) (local.get $mean)))))
          (else
            (if (local.get $f32)
              (then (call $sum3d_f32 (local.get $x) (local.get $rows) (local.get $c) (local.get $l) (local.get $mean)))
              (else (call $sum3d_f64 (local.get $x) (local.get $rows) (local.get $c) (local.get $l) (local.get $mean))))))
        (call $scaleBy (local.get $mean) (local.get $c) (local.get $m))
        (if (i32.eq (local.get $l) (i32.const 1))
          (then
            (if (local.get $f32)
              (then (call $dev2d_f32 (local.get $ld) (local.get $x) (local.get $n) (local.get $c)
                (local.get $mean) (local.get $tmp) (local.get $sumSq)))
              (else (call $dev2d_f64 (local.get $ld) (local.get $x) (local.get $n) (local.get $c)
                (local.get $mean) (local.get $tmp) (local.get $sumSq)))))
          (else
            (if (local.get $f32)
              (then (call $dev3d_f32 (local.get $x) (local.get $rows) (local.get $c) (local.get $l)
                (local.get $mean) (local.get $tmp) (local.get $sumSq)))
              (else (call $dev3d_f64 (local.get $x) (local.get $rows) (local.get $c) (local.get $l)
                (local.get $mean) (local.get $tmp) (local.get $sumSq))))))
        (call $finish (local.get $mean) (local.get $tmp) (local.get $sumSq) (local.get $invstd)
          (local.get $c) (local.get $m) (local.get $eps))))
    (call $scale (local.get $w) (local.get $invstd) (local.get $c))
    (if (i32.eq (local.get $l) (i32.const 1))
      (then
        (if (local.get $f32)
          (then (call $norm2d_f32 (local.get $ld) (local.get $x) (local.get $y) (local.get $n) (local.get $c)
            (local.get $mean) (local.get $w) (local.get $b)))
          (else (call $norm2d_f64 (local.get $ld) (local.get $x) (local.get $y) (local.get $n) (local.get $c)
            (local.get $mean) (local.get $w) (local.get $b)))))
      (else
        (if (local.get $f32)
          (then (call $norm3d_f32 (local.get $x) (local.get $y) (local.get $rows) (local.get $c)
            (local.get $l) (local.get $mean) (local.get $w) (local.get $b)))
          (else (call $norm3d_f64 (local.get $x) (local.get $y) (local.get $rows) (local.get $c)
            (local.get $l) (local.get $mean) (local.get $w) (local.get $b)))))))

  ;; a[ch] /= m
  (func $scaleBy (param $a i32) (param $c i32) (param $m f64)
    (local $o i32) (local $end i32)
    (local.set $end (i32.shl (local.get $c) (i32.const 3)))
    (block $done
      (loop $ch
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (f64.store (i32.add (local.get $a) (local.get $o))
          (f64.div (f64.load (i32.add (local.get $a) (local.get $o))) (local.get $m)))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (br $ch))))

  ;; Backward: dbias = Σ dy and dweight = Σ dy·x̂ always; with $needDx also dx into $dx (which may
  ;; be dy). w holds the weight (ones when absent) and becomes the scale w·invstd; mdy and mdyx
  ;; are scratch.
  (func $backward (export "backward") (param $ld i32) (param $f32 i32) (param $x i32) (param $dy i32) (param $dx i32)
    (param $n i32) (param $c i32) (param $l i32) (param $mean i32) (param $invstd i32) (param $w i32)
    (param $dbias i32) (param $dweight i32) (param $mdy i32) (param $mdyx i32) (param $batch i32)
    (param $needDx i32)
    (local $cb i32) (local $rows i32) (local $m f64)
    (local.set $cb (i32.shl (local.get $c) (i32.const 3)))
    (local.set $rows (i32.mul (local.get $n) (local.get $c)))
    (local.set $m (f64.convert_i32_u (i32.mul (local.get $n) (local.get $l))))
    (memory.fill (local.get $dbias) (i32.const 0) (local.get $cb))
    (memory.fill (local.get $dweight) (i32.const 0) (local.get $cb))
    (if (i32.eq (local.get $l) (i32.const 1))
      (then
        (if (local.get $f32)
          (then (call $grad2d_f32 (local.get $ld) (local.get $x) (local.get $dy) (local.get $n) (local.get $c)
            (local.get $mean) (local.get $invstd) (local.get $dbias) (local.get $dweight)))
          (else (call $grad2d_f64 (local.get $ld) (local.get $x) (local.get $dy) (local.get $n) (local.get $c)
            (local.get $mean) (local.get $invstd) (local.get $dbias) (local.get $dweight)))))
      (else
        (if (local.get $f32)
          (then (call $grad3d_f32 (local.get $x) (local.get $dy) (local.get $rows) (local.get $c)
            (local.get $l) (local.get $mean) (local.get $invstd) (local.get $dbias) (local.get $dweight)))
          (else (call $grad3d_f64 (local.get $x) (local.get $dy) (local.get $rows) (local.get $c)
            (local.get $l) (local.get $mean) (local.get $invstd) (local.get $dbias) (local.get $dweight))))))
    (if (i32.eqz (local.get $needDx)) (then (return)))
    (call $scale (local.get $w) (local.get $invstd) (local.get $c))
    (call $meanOf (local.get $mdy) (local.get $dbias) (local.get $c) (local.get $m) (local.get $batch))
    (call $meanOf (local.get $mdyx) (local.get $dweight) (local.get $c) (local.get $m) (local.get $batch))
    (if (i32.eq (local.get $l) (i32.const 1))
      (then
        ;; The reference's [N, C] path evaluates the batch formula with zero means for constant
        ;; statistics; so does this one.
        (if (local.get $f32)
          (then (call $dx2d_f32 (local.get $ld) (local.get $x) (local.get $dy) (local.get $dx) (local.get $n) (local.get $c)
            (local.get $mean) (local.get $invstd) (local.get $w) (local.get $mdy) (local.get $mdyx)))
          (else (call $dx2d_f64 (local.get $ld) (local.get $x) (local.get $dy) (local.get $dx) (local.get $n) (local.get $c)
            (local.get $mean) (local.get $invstd) (local.get $w) (local.get $mdy) (local.get $mdyx)))))
      (else
        (if (local.get $f32)
          (then (call $dx3d_f32 (local.get $x) (local.get $dy) (local.get $dx) (local.get $rows) (local.get $c)
            (local.get $l) (local.get $mean) (local.get $invstd) (local.get $w) (local.get $mdy)
            (local.get $mdyx) (local.get $batch)))
          (else (call $dx3d_f64 (local.get $x) (local.get $dy) (local.get $dx) (local.get $rows) (local.get $c)
            (local.get $l) (local.get $mean) (local.get $invstd) (local.get $w) (local.get $mdy)
            (local.get $mdyx) (local.get $batch)))))))

  ;; ---------------------------------------------------------------------------------------------
  ;; Parts for threads (see src/kernels/wasm/index.ts): chunk j of a [N, C] call is the channels
  ;; [j·per, min(C, (j+1)·per)), run as the whole call on those channels alone (rows C apart).
  ;; Channels are independent and each is computed as in the whole call, so the result does not
  ;; depend on how the channels are cut. Arguments as for forward / backward with C last but one;
  ;; $slot and the unused ones keep the signature common to every part.

  (func (export "forward_part") (param $chunk i32) (param $slot i32) (param $f32 i32) (param $x i32)
    (param $y i32) (param $n i32) (param $mean i32) (param $invstd i32) (param $sumSq i32)
    (param $tmp i32) (param $w i32) (param $b i32) (param $batch i32) (param $u11 i32)
    (param $u12 i32) (param $u13 i32) (param $C i32) (param $per i32) (param $eps f64)
    (local $c0 i32) (local $cc i32) (local $xo i32) (local $co i32)
    (local.set $c0 (i32.mul (local.get $chunk) (local.get $per)))
    (local.set $cc
      (select (local.get $per) (i32.sub (local.get $C) (local.get $c0))
        (i32.le_u (i32.add (local.get $c0) (local.get $per)) (local.get $C))))
    (local.set $xo (i32.shl (local.get $c0) (select (i32.const 2) (i32.const 3) (local.get $f32))))
    (local.set $co (i32.shl (local.get $c0) (i32.const 3)))
    (call $forward (local.get $C) (local.get $f32)
      (i32.add (local.get $x) (local.get $xo)) (i32.add (local.get $y) (local.get $xo))
      (local.get $n) (local.get $cc) (i32.const 1)
      (i32.add (local.get $mean) (local.get $co)) (i32.add (local.get $invstd) (local.get $co))
      (i32.add (local.get $sumSq) (local.get $co)) (i32.add (local.get $tmp) (local.get $co))
      (i32.add (local.get $w) (local.get $co)) (i32.add (local.get $b) (local.get $co))
      (local.get $eps) (local.get $batch)))

  (func (export "backward_part") (param $chunk i32) (param $slot i32) (param $f32 i32) (param $x i32)
    (param $dy i32) (param $dx i32) (param $n i32) (param $mean i32) (param $invstd i32)
    (param $w i32) (param $dbias i32) (param $dweight i32) (param $mdy i32) (param $mdyx i32)
    (param $batch i32) (param $needDx i32) (param $C i32) (param $per i32) (param $eps f64)
    (local $c0 i32) (local $cc i32) (local $xo i32) (local $co i32)
    (local.set $c0 (i32.mul (local.get $chunk) (local.get $per)))
    (local.set $cc
      (select (local.get $per) (i32.sub (local.get $C) (local.get $c0))
        (i32.le_u (i32.add (local.get $c0) (local.get $per)) (local.get $C))))
    (local.set $xo (i32.shl (local.get $c0) (select (i32.const 2) (i32.const 3) (local.get $f32))))
    (local.set $co (i32.shl (local.get $c0) (i32.const 3)))
    (call $backward (local.get $C) (local.get $f32)
      (i32.add (local.get $x) (local.get $xo)) (i32.add (local.get $dy) (local.get $xo))
      (i32.add (local.get $dx) (local.get $xo)) (local.get $n) (local.get $cc) (i32.const 1)
      (i32.add (local.get $mean) (local.get $co)) (i32.add (local.get $invstd) (local.get $co))
      (i32.add (local.get $w) (local.get $co)) (i32.add (local.get $dbias) (local.get $co))
      (i32.add (local.get $dweight) (local.get $co)) (i32.add (local.get $mdy) (local.get $co))
      (i32.add (local.get $mdyx) (local.get $co)) (local.get $batch) (local.get $needDx))))
