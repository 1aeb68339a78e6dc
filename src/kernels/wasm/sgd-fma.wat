;; The float32 SGD step of sgd.wat (same arguments and flags, on the same tensor memory) with
;; each fmaf as relaxed SIMD's f32x4.relaxed_madd. A host compiles that to one fused multiply-add
;; (one rounding: exactly fmaf) where the CPU has FMA, and to a multiply and an add otherwise.
;; So the function first computes a witness that the two round differently, a·a + c for
;; a = 1 + 2⁻¹² and c = −1 (fused 2⁻¹¹ + 2⁻²⁴, unfused 2⁻¹¹), passed in as arguments so that
;; nothing folds it, and returns 0 having written nothing unless it was fused. The witness is
;; compiled with the loop, in the same function, so it speaks for the code that runs; 1 means
;; the step was done.
;;
;; The other operations are float32x4 ops: f32(buf·mom) is one rounding of an exact product, and
;; without dampening fmaf(1, d, c) is the float32 sum d + c.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func (export "sgd_f32_fma")
    (param $pp i32) (param $gp i32) (param $bp i32) (param $n i32) (param $flags i32)
    (param $wd f32) (param $mom f32) (param $keep f32) (param $step f32)
    (param $wa f32) (param $wc f32) (param $fused f32) (result i32)
    (local $end i32) (local $i i32)
    (local $p v128) (local $d v128) (local $b v128)
    (local $wd4 v128) (local $mom4 v128) (local $keep4 v128) (local $step4 v128)
    (local $maximize i32) (local $useWd i32) (local $hasBuf i32) (local $fresh i32)
    (local $nesterov i32) (local $keepIsOne i32)
    (if (i32.eqz
          (i32x4.all_true
            (f32x4.eq
              (f32x4.relaxed_madd
                (f32x4.splat (local.get $wa)) (f32x4.splat (local.get $wa)) (f32x4.splat (local.get $wc)))
              (f32x4.splat (local.get $fused)))))
      (then (return (i32.const 0))))
    (local.set $wd4 (f32x4.splat (local.get $wd)))
    (local.set $mom4 (f32x4.splat (local.get $mom)))
    (local.set $keep4 (f32x4.splat (local.get $keep)))
    (local.set $step4 (f32x4.splat (local.get $step)))
    (local.set $maximize (i32.and (local.get $flags) (i32.const 1)))
    (local.set $useWd (i32.and (local.get $flags) (i32.const 2)))
    (local.set $hasBuf (i32.and (local.get $flags) (i32.const 4)))
    (local.set $fresh (i32.and (local.get $flags) (i32.const 8)))
    (local.set $nesterov (i32.and (local.get $flags) (i32.const 16)))
    (local.set $keepIsOne (f32.eq (local.get $keep) (f32.const 1)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $p (v128.load (i32.add (local.get $pp) (local.get $i))))
        (local.set $d (v128.load (i32.add (local.get $gp) (local.get $i))))
        (if (local.get $maximize) (then (local.set $d (f32x4.neg (local.get $d)))))
        ;; d = fmaf(wd, p, d)
        (if (local.get $useWd)
          (then
            (local.set $d (f32x4.relaxed_madd (local.get $wd4) (local.get $p) (local.get $d)))))
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
                    (local.set $b
                      (f32x4.relaxed_madd (local.get $keep4) (local.get $d) (local.get $b)))))))
            (v128.store (i32.add (local.get $bp) (local.get $i)) (local.get $b))
            ;; d = nesterov ? fmaf(mom, b, d) : b
            (if (local.get $nesterov)
              (then
                (local.set $d (f32x4.relaxed_madd (local.get $mom4) (local.get $b) (local.get $d))))
              (else (local.set $d (local.get $b))))))
        ;; p = fmaf(-lr, d, p)
        (v128.store (i32.add (local.get $pp) (local.get $i))
          (f32x4.relaxed_madd (local.get $step4) (local.get $d) (local.get $p)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (i32.const 1)))
