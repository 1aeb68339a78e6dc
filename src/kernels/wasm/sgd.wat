;; One float32 SGD step (PyTorch 1.13's `_single_tensor_sgd`, see src/kernels/optim.ts) on n
;; elements (n a multiple of 4) of p, g and buf at byte offsets into the tensor memory, four
;; elements per iteration. Values are float32x4; each fused multiply-add is C's fmaf, rounded
;; once to float32, computed in two pairs of float64 lanes (L and H):
;;
;;   a·b is exact in float64, so s = fl64(a·b + c) rounded to float32 is fmaf(a, b, c) unless
;;   s is a float32 midpoint (r = f32(s) and its mirror 2s − r = s + (s − r) are neighbouring
;;   float32 values) while the exact sum is not: then the TwoSum error e of a·b + c says on
;;   which side of the midpoint the exact sum lies. A midpoint in float32's normal range has
;;   the low 29 bits of its float64 significand equal to 1 followed by 28 zeros; the fast path
;;   tests that pattern on the four low words at once, and |r| ≤ 2⁻¹²⁶ (s may be in float32's
;;   subnormal range, where midpoints have more low bits), and sends the rare group of four that
;;   matches to the exact check.
;;
;; The operations that are not fused multiply-adds are float32x4 ops: f32(buf·mom) is one
;; rounding of an exact product, and without dampening fmaf(1, d, c) is the float32 sum d + c.
;;
;; flags: 1 maximize, 2 weight decay, 4 momentum buffer, 8 fresh buffer (b ← d), 16 nesterov.
;; sgd-fma.wat does the same with hardware fused multiply-adds, where the host has them.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func $f32round (param $x v128) (result v128)
    (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $x))))

  ;; fmaf from p = a·b (exact), c and s = fl64(p + c): the exact midpoint test and TwoSum.
  (func $fmafSlow (param $p v128) (param $c v128) (param $s v128) (result v128)
    (local $r v128) (local $d v128) (local $m v128) (local $mid v128) (local $bb v128)
    (local $e v128)
    (local.set $r (call $f32round (local.get $s)))
    (local.set $d (f64x2.sub (local.get $s) (local.get $r)))
    (local.set $m (f64x2.add (local.get $s) (local.get $d)))
    ;; a midpoint: s ≠ r, the mirror is a float32, and r is finite
    (local.set $mid
      (v128.and
        (v128.and
          (f64x2.ne (local.get $d) (f64x2.splat (f64.const 0)))
          (f64x2.eq (call $f32round (local.get $m)) (local.get $m)))
        (f64x2.lt (f64x2.abs (local.get $r)) (f64x2.splat (f64.const inf)))))
    (local.set $bb (f64x2.sub (local.get $s) (local.get $p)))
    (local.set $e
      (f64x2.add
        (f64x2.sub (local.get $p) (f64x2.sub (local.get $s) (local.get $bb)))
        (f64x2.sub (local.get $c) (local.get $bb))))
    ;; take the mirror when e ≠ 0 points at it: (e > 0) == (m > r)
    (local.set $r
      (v128.bitselect
        (local.get $m)
        (local.get $r)
        (v128.and
          (v128.and (local.get $mid) (f64x2.ne (local.get $e) (f64x2.splat (f64.const 0))))
          (v128.not
            (v128.xor
              (f64x2.gt (local.get $e) (f64x2.splat (f64.const 0)))
              (f64x2.gt (local.get $m) (local.get $r)))))))
    ;; |s| = 2¹²⁸ − 2¹⁰³, the midpoint above the largest float32, rounds to ±∞ (ties to even);
    ;; when e points back toward zero the exact sum is below it: ±FLT_MAX
    (v128.bitselect
      (v128.or
        (v128.and (local.get $s) (i64x2.splat (i64.const 0x8000000000000000)))
        (f64x2.splat (f64.const 0x1.fffffep127)))
      (local.get $r)
      (v128.and
        (v128.and
          (f64x2.eq (f64x2.abs (local.get $s)) (f64x2.splat (f64.const 0x1.ffffffp127)))
          (f64x2.ne (local.get $e) (f64x2.splat (f64.const 0))))
        (v128.xor
          (f64x2.gt (local.get $e) (f64x2.splat (f64.const 0)))
          (f64x2.gt (local.get $s) (f64x2.splat (f64.const 0)))))))

  ;; fmaf(a, b, c) for float32x4 b and c and a float64x2 splat a.
  (func $fma4 (param $a v128) (param $b v128) (param $c v128) (result v128)
    (local $pL v128) (local $pH v128) (local $cL v128) (local $cH v128) (local $sL v128)
    (local $sH v128) (local $r v128)
    (local.set $pL (f64x2.mul (local.get $a) (f64x2.promote_low_f32x4 (local.get $b))))
    (local.set $pH
      (f64x2.mul (local.get $a)
        (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $b) (local.get $b)))))
    (local.set $cL (f64x2.promote_low_f32x4 (local.get $c)))
    (local.set $cH
      (f64x2.promote_low_f32x4
        (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c) (local.get $c))))
    (local.set $sL (f64x2.add (local.get $pL) (local.get $cL)))
    (local.set $sH (f64x2.add (local.get $pH) (local.get $cH)))
    (local.set $r
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (local.get $sL))
        (f32x4.demote_f64x2_zero (local.get $sH))))
    (if (v128.any_true
          (v128.or
            (i32x4.eq
              (v128.and
                (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
                  (local.get $sL) (local.get $sH))
                (v128.const i32x4 0x1fffffff 0x1fffffff 0x1fffffff 0x1fffffff))
              (v128.const i32x4 0x10000000 0x10000000 0x10000000 0x10000000))
            (f32x4.le (f32x4.abs (local.get $r)) (v128.const f32x4 0x1p-126 0x1p-126 0x1p-126 0x1p-126))))
      (then
        (local.set $r
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero
              (call $fmafSlow (local.get $pL) (local.get $cL) (local.get $sL)))
            (f32x4.demote_f64x2_zero
              (call $fmafSlow (local.get $pH) (local.get $cH) (local.get $sH)))))))
    (local.get $r))

  (func (export "sgd_f32")
    (param $pp i32) (param $gp i32) (param $bp i32) (param $n i32) (param $flags i32)
    (param $wd f64) (param $mom f64) (param $keep f64) (param $step f64)
    (local $end i32) (local $i i32)
    (local $p v128) (local $d v128) (local $b v128)
    (local $wdv v128) (local $momv v128) (local $mom4 v128) (local $keepv v128) (local $stepv v128)
    (local $maximize i32) (local $useWd i32) (local $hasBuf i32) (local $fresh i32)
    (local $nesterov i32) (local $keepIsOne i32)
    (local.set $wdv (f64x2.splat (local.get $wd)))
    (local.set $momv (f64x2.splat (local.get $mom)))
    (local.set $mom4 (f32x4.splat (f32.demote_f64 (local.get $mom))))
    (local.set $keepv (f64x2.splat (local.get $keep)))
    (local.set $stepv (f64x2.splat (local.get $step)))
    (local.set $maximize (i32.and (local.get $flags) (i32.const 1)))
    (local.set $useWd (i32.and (local.get $flags) (i32.const 2)))
    (local.set $hasBuf (i32.and (local.get $flags) (i32.const 4)))
    (local.set $fresh (i32.and (local.get $flags) (i32.const 8)))
    (local.set $nesterov (i32.and (local.get $flags) (i32.const 16)))
    (local.set $keepIsOne (f64.eq (local.get $keep) (f64.const 1)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $p (v128.load (i32.add (local.get $pp) (local.get $i))))
        (local.set $d (v128.load (i32.add (local.get $gp) (local.get $i))))
        (if (local.get $maximize) (then (local.set $d (f32x4.neg (local.get $d)))))
        (if (local.get $useWd)
          (then (local.set $d (call $fma4 (local.get $wdv) (local.get $p) (local.get $d)))))
        (if (local.get $hasBuf)
          (then
            (if (local.get $fresh)
              (then (local.set $b (local.get $d)))
              (else
                ;; b = fmaf(keep, d, f32(buf·mom))
                (local.set $b
                  (f32x4.mul
                    (v128.load (i32.add (local.get $bp) (local.get $i)))
                    (local.get $mom4)))
                (if (local.get $keepIsOne)
                  (then (local.set $b (f32x4.add (local.get $b) (local.get $d))))
                  (else
                    (local.set $b (call $fma4 (local.get $keepv) (local.get $d) (local.get $b)))))))
            (v128.store (i32.add (local.get $bp) (local.get $i)) (local.get $b))
            ;; d = nesterov ? fmaf(mom, b, d) : b
            (if (local.get $nesterov)
              (then (local.set $d (call $fma4 (local.get $momv) (local.get $b) (local.get $d))))
              (else (local.set $d (local.get $b))))))
        ;; p = fmaf(-lr, d, p)
        (v128.store (i32.add (local.get $pp) (local.get $i))
          (call $fma4 (local.get $stepv) (local.get $d) (local.get $p)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))))
