;; One float32 SGD step (PyTorch 1.13's `_single_tensor_sgd`, see src/optim/kernels.ts), two
;; elements at a time in float64 lanes, on n elements (n even) of p, g and buf at byte offsets
;; into this module's memory. Every fused multiply-add is C's fmaf, rounded once to float32:
;;
;;   a·b is exact in float64, so s = fl64(a·b + c) rounded to float32 is fmaf(a, b, c) unless
;;   s is a float32 midpoint (r = f32(s) and its mirror 2s − r = s + (s − r) are neighbouring
;;   float32 values) while the exact sum is not: then the TwoSum error e of a·b + c says on
;;   which side of the midpoint the exact sum lies. A midpoint in float32's normal range has
;;   the low 29 bits of its float64 significand equal to 1 followed by 28 zeros; the fast path
;;   tests that pattern (and |s| < 2⁻¹²⁶, where float32 is subnormal) with two integer ops and
;;   sends the rare pair that matches to the exact check.
;;
;; flags: 1 maximize, 2 weight decay, 4 momentum buffer, 8 fresh buffer (b ← d), 16 nesterov.
;; The hot loop spells the fma sequence out three times: V8 does not inline WebAssembly calls,
;; and a call per element costs more than the arithmetic.
(module
  (memory (export "memory") 1)

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
    (v128.bitselect
      (local.get $m)
      (local.get $r)
      (v128.and
        (v128.and (local.get $mid) (f64x2.ne (local.get $e) (f64x2.splat (f64.const 0))))
        (v128.not
          (v128.xor
            (f64x2.gt (local.get $e) (f64x2.splat (f64.const 0)))
            (f64x2.gt (local.get $m) (local.get $r)))))))

  (func (export "sgd_f32")
    (param $pp i32) (param $gp i32) (param $bp i32) (param $n i32) (param $flags i32)
    (param $wd f64) (param $mom f64) (param $keep f64) (param $step f64)
    (local $end i32) (local $i i32)
    (local $p v128) (local $d v128) (local $b v128)
    (local $fp v128) (local $fs v128) (local $fc v128)
    (local $wdv v128) (local $momv v128) (local $keepv v128) (local $stepv v128)
    (local $low29 v128) (local $half29 v128) (local $tiny v128)
    (local $maximize i32) (local $useWd i32) (local $hasBuf i32) (local $fresh i32)
    (local $nesterov i32) (local $keepIsOne i32)
    (local.set $low29 (i64x2.splat (i64.const 0x1fffffff)))
    (local.set $half29 (i64x2.splat (i64.const 0x10000000)))
    (local.set $tiny (f64x2.splat (f64.const 0x1p-126)))
    (local.set $wdv (f64x2.splat (local.get $wd)))
    (local.set $momv (f64x2.splat (local.get $mom)))
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
        (local.set $p
          (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pp) (local.get $i)))))
        (local.set $d
          (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $gp) (local.get $i)))))
        (if (local.get $maximize) (then (local.set $d (f64x2.neg (local.get $d)))))
        ;; d = fmaf(wd, p, d)
        (if (local.get $useWd)
          (then
            (local.set $fc (local.get $d))
            (local.set $fp (f64x2.mul (local.get $wdv) (local.get $p)))
            (local.set $fs (f64x2.add (local.get $fp) (local.get $fc)))
            (local.set $d
              (if (result v128)
                (v128.any_true
                  (v128.or
                    (i64x2.eq (v128.and (local.get $fs) (local.get $low29)) (local.get $half29))
                    (f64x2.lt (f64x2.abs (local.get $fs)) (local.get $tiny))))
                (then (call $fmafSlow (local.get $fp) (local.get $fc) (local.get $fs)))
                (else (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $fs))))))
))
        (if (local.get $hasBuf)
          (then
            (if (local.get $fresh)
              (then (local.set $b (local.get $d)))
              (else
                ;; b = fmaf(keep, d, f32(buf·mom)); without dampening keep = 1 and the fma is a
                ;; float32 addition, which float64 then one rounding to float32 gives exactly
                (local.set $fc
                  (f64x2.promote_low_f32x4
                    (f32x4.demote_f64x2_zero
                      (f64x2.mul
                        (f64x2.promote_low_f32x4
                          (v128.load64_zero (i32.add (local.get $bp) (local.get $i))))
                        (local.get $momv)))))
                (if (local.get $keepIsOne)
                  (then
                    (local.set $b
                      (f64x2.promote_low_f32x4
                        (f32x4.demote_f64x2_zero (f64x2.add (local.get $d) (local.get $fc))))))
                  (else
                    (local.set $fc (local.get $fc))
                    (local.set $fp (f64x2.mul (local.get $keepv) (local.get $d)))
                    (local.set $fs (f64x2.add (local.get $fp) (local.get $fc)))
                    (local.set $b
                      (if (result v128)
                        (v128.any_true
                          (v128.or
                            (i64x2.eq (v128.and (local.get $fs) (local.get $low29)) (local.get $half29))
                            (f64x2.lt (f64x2.abs (local.get $fs)) (local.get $tiny))))
                        (then (call $fmafSlow (local.get $fp) (local.get $fc) (local.get $fs)))
                        (else (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $fs))))))
))))
            (v128.store64_lane 0
              (i32.add (local.get $bp) (local.get $i))
              (f32x4.demote_f64x2_zero (local.get $b)))
            ;; d = nesterov ? fmaf(mom, b, d) : b
            (if (local.get $nesterov)
              (then
                (local.set $fc (local.get $d))
                (local.set $fp (f64x2.mul (local.get $momv) (local.get $b)))
                (local.set $fs (f64x2.add (local.get $fp) (local.get $fc)))
                (local.set $d
                  (if (result v128)
                    (v128.any_true
                      (v128.or
                        (i64x2.eq (v128.and (local.get $fs) (local.get $low29)) (local.get $half29))
                        (f64x2.lt (f64x2.abs (local.get $fs)) (local.get $tiny))))
                    (then (call $fmafSlow (local.get $fp) (local.get $fc) (local.get $fs)))
                    (else (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $fs))))))
)
              (else (local.set $d (local.get $b))))))
        ;; p = fmaf(-lr, d, p)
        (local.set $fc (local.get $p))
        (local.set $fp (f64x2.mul (local.get $stepv) (local.get $d)))
        (local.set $fs (f64x2.add (local.get $fp) (local.get $fc)))
        (local.set $p
          (if (result v128)
            (v128.any_true
              (v128.or
                (i64x2.eq (v128.and (local.get $fs) (local.get $low29)) (local.get $half29))
                (f64x2.lt (f64x2.abs (local.get $fs)) (local.get $tiny))))
            (then (call $fmafSlow (local.get $fp) (local.get $fc) (local.get $fs)))
            (else (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $fs))))))
        (v128.store64_lane 0
          (i32.add (local.get $pp) (local.get $i))
          (f32x4.demote_f64x2_zero (local.get $p)))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $next)))))
