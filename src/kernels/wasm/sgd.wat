;; One float32 SGD step (PyTorch 1.13's `_single_tensor_sgd`, see src/optim/kernels.ts) on n
;; elements (n a multiple of 4) of p, g and buf at byte offsets into this module's memory, four
;; elements per iteration as two pairs of float64 lanes (L and H). Every fused multiply-add is
;; C's fmaf, rounded once to float32:
;;
;;   a·b is exact in float64, so s = fl64(a·b + c) rounded to float32 is fmaf(a, b, c) unless
;;   s is a float32 midpoint (r = f32(s) and its mirror 2s − r = s + (s − r) are neighbouring
;;   float32 values) while the exact sum is not: then the TwoSum error e of a·b + c says on
;;   which side of the midpoint the exact sum lies. A midpoint in float32's normal range has
;;   the low 29 bits of its float64 significand equal to 1 followed by 28 zeros; the fast path
;;   tests that pattern (and |s| < 2⁻¹²⁶, where float32 is subnormal) with two integer ops and
;;   sends the rare group of four that matches to the exact check.
;;
;; flags: 1 maximize, 2 weight decay, 4 momentum buffer, 8 fresh buffer (b ← d), 16 nesterov.
;; The hot loop spells the fma sequence out for each use: V8 does not inline WebAssembly calls,
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

  (func (export "sgd_f32")
    (param $pp i32) (param $gp i32) (param $bp i32) (param $n i32) (param $flags i32)
    (param $wd f64) (param $mom f64) (param $keep f64) (param $step f64)
    (local $end i32) (local $i i32)
    (local $pL v128) (local $pH v128) (local $dL v128) (local $dH v128) (local $bL v128) (local $bH v128) (local $fpL v128) (local $fpH v128) (local $fsL v128) (local $fsH v128) (local $fcL v128) (local $fcH v128)
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
        (local.set $pL (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pp) (local.get $i)))))
        (local.set $pH (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (i32.add (local.get $pp) (local.get $i)))))
        (local.set $dL (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $gp) (local.get $i)))))
        (local.set $dH (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (i32.add (local.get $gp) (local.get $i)))))
        (if (local.get $maximize)
          (then
            (local.set $dL (f64x2.neg (local.get $dL)))
            (local.set $dH (f64x2.neg (local.get $dH)))))
        ;; d = fmaf(wd, p, d)
        (if (local.get $useWd)
          (then
            ;; d = fmaf(wdv, p, $dL) in both halves
            (local.set $fcL (local.get $dL))
            (local.set $fpL (f64x2.mul (local.get $wdv) (local.get $pL)))
            (local.set $fsL (f64x2.add (local.get $fpL) (local.get $fcL)))
            (local.set $fcH (local.get $dH))
            (local.set $fpH (f64x2.mul (local.get $wdv) (local.get $pH)))
            (local.set $fsH (f64x2.add (local.get $fpH) (local.get $fcH)))
            (if (v128.any_true
                  (v128.or
                    (v128.or
                      (i64x2.eq (v128.and (local.get $fsL) (local.get $low29)) (local.get $half29))
                      (f64x2.lt (f64x2.abs (local.get $fsL)) (local.get $tiny)))
                    (v128.or
                      (i64x2.eq (v128.and (local.get $fsH) (local.get $low29)) (local.get $half29))
                      (f64x2.lt (f64x2.abs (local.get $fsH)) (local.get $tiny)))))
              (then
                (local.set $dL (call $fmafSlow (local.get $fpL) (local.get $fcL) (local.get $fsL)))
                (local.set $dH (call $fmafSlow (local.get $fpH) (local.get $fcH) (local.get $fsH))))
              (else
                (local.set $dL (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $fsL))))
                (local.set $dH (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $fsH))))))
))
        (if (local.get $hasBuf)
          (then
            (if (local.get $fresh)
              (then
                (local.set $bL (local.get $dL))
                (local.set $bH (local.get $dH)))
              (else
                ;; b = fmaf(keep, d, f32(buf·mom)); without dampening keep = 1 and the fma is a
                ;; float32 addition, which float64 then one rounding to float32 gives exactly
                (local.set $fcL
                  (f64x2.promote_low_f32x4
                    (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $bp) (local.get $i)))) (local.get $momv)))))
                (local.set $fcH
                  (f64x2.promote_low_f32x4
                    (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (i32.add (local.get $bp) (local.get $i)))) (local.get $momv)))))
                (if (local.get $keepIsOne)
                  (then
                    (local.set $bL
                      (f64x2.promote_low_f32x4
                        (f32x4.demote_f64x2_zero (f64x2.add (local.get $dL) (local.get $fcL)))))
                    (local.set $bH
                      (f64x2.promote_low_f32x4
                        (f32x4.demote_f64x2_zero (f64x2.add (local.get $dH) (local.get $fcH))))))
                  (else
                    ;; b = fmaf(keepv, d, $fcL) in both halves
                    (local.set $fcL (local.get $fcL))
                    (local.set $fpL (f64x2.mul (local.get $keepv) (local.get $dL)))
                    (local.set $fsL (f64x2.add (local.get $fpL) (local.get $fcL)))
                    (local.set $fcH (local.get $fcH))
                    (local.set $fpH (f64x2.mul (local.get $keepv) (local.get $dH)))
                    (local.set $fsH (f64x2.add (local.get $fpH) (local.get $fcH)))
                    (if (v128.any_true
                          (v128.or
                            (v128.or
                              (i64x2.eq (v128.and (local.get $fsL) (local.get $low29)) (local.get $half29))
                              (f64x2.lt (f64x2.abs (local.get $fsL)) (local.get $tiny)))
                            (v128.or
                              (i64x2.eq (v128.and (local.get $fsH) (local.get $low29)) (local.get $half29))
                              (f64x2.lt (f64x2.abs (local.get $fsH)) (local.get $tiny)))))
                      (then
                        (local.set $bL (call $fmafSlow (local.get $fpL) (local.get $fcL) (local.get $fsL)))
                        (local.set $bH (call $fmafSlow (local.get $fpH) (local.get $fcH) (local.get $fsH))))
                      (else
                        (local.set $bL (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $fsL))))
                        (local.set $bH (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $fsH))))))
))))
            (v128.store64_lane 0 (i32.add (local.get $bp) (local.get $i)) (f32x4.demote_f64x2_zero (local.get $bL)))
            (v128.store64_lane offset=8 0 (i32.add (local.get $bp) (local.get $i)) (f32x4.demote_f64x2_zero (local.get $bH)))
            ;; d = nesterov ? fmaf(mom, b, d) : b
            (if (local.get $nesterov)
              (then
                ;; d = fmaf(momv, b, $dL) in both halves
                (local.set $fcL (local.get $dL))
                (local.set $fpL (f64x2.mul (local.get $momv) (local.get $bL)))
                (local.set $fsL (f64x2.add (local.get $fpL) (local.get $fcL)))
                (local.set $fcH (local.get $dH))
                (local.set $fpH (f64x2.mul (local.get $momv) (local.get $bH)))
                (local.set $fsH (f64x2.add (local.get $fpH) (local.get $fcH)))
                (if (v128.any_true
                      (v128.or
                        (v128.or
                          (i64x2.eq (v128.and (local.get $fsL) (local.get $low29)) (local.get $half29))
                          (f64x2.lt (f64x2.abs (local.get $fsL)) (local.get $tiny)))
                        (v128.or
                          (i64x2.eq (v128.and (local.get $fsH) (local.get $low29)) (local.get $half29))
                          (f64x2.lt (f64x2.abs (local.get $fsH)) (local.get $tiny)))))
                  (then
                    (local.set $dL (call $fmafSlow (local.get $fpL) (local.get $fcL) (local.get $fsL)))
                    (local.set $dH (call $fmafSlow (local.get $fpH) (local.get $fcH) (local.get $fsH))))
                  (else
                    (local.set $dL (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $fsL))))
                    (local.set $dH (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $fsH))))))
)
              (else
                (local.set $dL (local.get $bL))
                (local.set $dH (local.get $bH))))))
        ;; p = fmaf(-lr, d, p)
        ;; p = fmaf(stepv, d, $pL) in both halves
        (local.set $fcL (local.get $pL))
        (local.set $fpL (f64x2.mul (local.get $stepv) (local.get $dL)))
        (local.set $fsL (f64x2.add (local.get $fpL) (local.get $fcL)))
        (local.set $fcH (local.get $pH))
        (local.set $fpH (f64x2.mul (local.get $stepv) (local.get $dH)))
        (local.set $fsH (f64x2.add (local.get $fpH) (local.get $fcH)))
        (if (v128.any_true
              (v128.or
                (v128.or
                  (i64x2.eq (v128.and (local.get $fsL) (local.get $low29)) (local.get $half29))
                  (f64x2.lt (f64x2.abs (local.get $fsL)) (local.get $tiny)))
                (v128.or
                  (i64x2.eq (v128.and (local.get $fsH) (local.get $low29)) (local.get $half29))
                  (f64x2.lt (f64x2.abs (local.get $fsH)) (local.get $tiny)))))
          (then
            (local.set $pL (call $fmafSlow (local.get $fpL) (local.get $fcL) (local.get $fsL)))
            (local.set $pH (call $fmafSlow (local.get $fpH) (local.get $fcH) (local.get $fsH))))
          ;; only stored: the store rounds to float32
          (else
            (local.set $pL (local.get $fsL))
            (local.set $pH (local.get $fsH))))
        (v128.store64_lane 0 (i32.add (local.get $pp) (local.get $i)) (f32x4.demote_f64x2_zero (local.get $pL)))
        (v128.store64_lane offset=8 0 (i32.add (local.get $pp) (local.get $i)) (f32x4.demote_f64x2_zero (local.get $pH)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))))
