;; Same-shape binary elementwise ops, out[i] = a[i] ∘ b[i] for ∘ in + − × ÷, over n float32 or
;; float64 elements at byte offsets into this module's memory (out may be a or b). SIMD lanes do
;; exactly the IEEE operation of the scalar kernels (a float32 result is the correctly rounded
;; one, which is also what JavaScript's double operation then Math.fround gives), so the results
;; are the same bit for bit; the last n mod 4 (or 2) elements take the scalar instruction.
(module
  (memory (export "memory") 1)

  (func (export "add_f32") (param $o i32) (param $a i32) (param $b i32) (param $n i32)
    (local $i i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $vend)))
        (v128.store (i32.add (local.get $o) (local.get $i))
          (f32x4.add
            (v128.load (i32.add (local.get $a) (local.get $i)))
            (v128.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $o) (local.get $i))
          (f32.add
            (f32.load (i32.add (local.get $a) (local.get $i)))
            (f32.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  (func (export "sub_f32") (param $o i32) (param $a i32) (param $b i32) (param $n i32)
    (local $i i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $vend)))
        (v128.store (i32.add (local.get $o) (local.get $i))
          (f32x4.sub
            (v128.load (i32.add (local.get $a) (local.get $i)))
            (v128.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $o) (local.get $i))
          (f32.sub
            (f32.load (i32.add (local.get $a) (local.get $i)))
            (f32.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  (func (export "mul_f32") (param $o i32) (param $a i32) (param $b i32) (param $n i32)
    (local $i i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $vend)))
        (v128.store (i32.add (local.get $o) (local.get $i))
          (f32x4.mul
            (v128.load (i32.add (local.get $a) (local.get $i)))
            (v128.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $o) (local.get $i))
          (f32.mul
            (f32.load (i32.add (local.get $a) (local.get $i)))
            (f32.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  (func (export "div_f32") (param $o i32) (param $a i32) (param $b i32) (param $n i32)
    (local $i i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $vend)))
        (v128.store (i32.add (local.get $o) (local.get $i))
          (f32x4.div
            (v128.load (i32.add (local.get $a) (local.get $i)))
            (v128.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $o) (local.get $i))
          (f32.div
            (f32.load (i32.add (local.get $a) (local.get $i)))
            (f32.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  (func (export "add_f64") (param $o i32) (param $a i32) (param $b i32) (param $n i32)
    (local $i i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $vend)))
        (v128.store (i32.add (local.get $o) (local.get $i))
          (f64x2.add
            (v128.load (i32.add (local.get $a) (local.get $i)))
            (v128.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (f64.store (i32.add (local.get $o) (local.get $i))
          (f64.add
            (f64.load (i32.add (local.get $a) (local.get $i)))
            (f64.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $tail))))

  (func (export "sub_f64") (param $o i32) (param $a i32) (param $b i32) (param $n i32)
    (local $i i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $vend)))
        (v128.store (i32.add (local.get $o) (local.get $i))
          (f64x2.sub
            (v128.load (i32.add (local.get $a) (local.get $i)))
            (v128.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (f64.store (i32.add (local.get $o) (local.get $i))
          (f64.sub
            (f64.load (i32.add (local.get $a) (local.get $i)))
            (f64.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $tail))))

  (func (export "mul_f64") (param $o i32) (param $a i32) (param $b i32) (param $n i32)
    (local $i i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $vend)))
        (v128.store (i32.add (local.get $o) (local.get $i))
          (f64x2.mul
            (v128.load (i32.add (local.get $a) (local.get $i)))
            (v128.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (f64.store (i32.add (local.get $o) (local.get $i))
          (f64.mul
            (f64.load (i32.add (local.get $a) (local.get $i)))
            (f64.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $tail))))

  (func (export "div_f64") (param $o i32) (param $a i32) (param $b i32) (param $n i32)
    (local $i i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $vend)))
        (v128.store (i32.add (local.get $o) (local.get $i))
          (f64x2.div
            (v128.load (i32.add (local.get $a) (local.get $i)))
            (v128.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (f64.store (i32.add (local.get $o) (local.get $i))
          (f64.div
            (f64.load (i32.add (local.get $a) (local.get $i)))
            (f64.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $tail))))
)
