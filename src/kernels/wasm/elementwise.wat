;; Binary elementwise ops over float32 or float64 storage at byte offsets into the tensor memory
;; (imported: the one every kernel module shares): out[r, j] = a[r, j] ∘ b[r, j], or ∘ b[j] when $bRow is set (b one row, repeated: a
;; bias), for rows × cols elements; out may be a or b. ∘ is + − × ÷ or `thr`, PyTorch's
;; threshold_backward (+0 where b ≤ 0, else a: NaN in b keeps a); `relu` is the unary max(x, 0) with
;; NaN kept. `colsum` adds rows into float64 column sums. SIMD lanes do exactly the IEEE operation
;; of the scalar kernels (a float32 result is the correctly rounded one, which is also what
;; JavaScript's double operation then Math.fround gives), so the results are the same bit for bit;
;; the last cols mod 4 (or 2) elements of a row take the scalar instruction.
;;
;; A template, expanded by scripts/build-wasm.mjs before it is assembled (its header has the
;; rules; `node scripts/build-wasm.mjs --expand elementwise.wat` prints the result): each kernel
;; is written once, and the lines from `;; @for T in f32 f64` to its `;; @end` are written out for
;; T = f32, then for T = f64, with {{T}} and the names defined below replaced by their value for
;; that T (and {{OP}} likewise in the loop over the four arithmetic ops). Lines after a lone
;; `;; @f32` or `;; @f64` are for that type only: colsum adds float32 rows into float64 sums.
;; The vector shape, bytes per element, their log2, and elements per v128:
;; @f32 V = f32x4
;; @f64 V = f64x2
;; @f32 size = 4
;; @f64 size = 8
;; @f32 shift = 2
;; @f64 shift = 3
;; @f32 lanes = 4
;; @f64 lanes = 2
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; @for T in f32 f64
  ;; @for OP in add sub mul div
  (func (export "{{OP}}_{{T}}")
    (param $o i32) (param $a i32) (param $b i32) (param $rows i32) (param $cols i32) (param $bRow i32)
    (local $r i32) (local $j i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $cols) (i32.const {{shift}})))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            (v128.store (i32.add (local.get $o) (local.get $j))
              ({{V}}.{{OP}} (v128.load (i32.add (local.get $a) (local.get $j))) (v128.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            ({{T}}.store (i32.add (local.get $o) (local.get $j))
              ({{T}}.{{OP}} ({{T}}.load (i32.add (local.get $a) (local.get $j))) ({{T}}.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const {{size}})))
            (br $tail)))
        (local.set $o (i32.add (local.get $o) (local.get $end)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (if (i32.eqz (local.get $bRow)) (then (local.set $b (i32.add (local.get $b) (local.get $end)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))
  ;; @end

  ;; The same with threshold_backward for ∘.
  (func (export "thr_{{T}}")
    (param $o i32) (param $a i32) (param $b i32) (param $rows i32) (param $cols i32) (param $bRow i32)
    (local $r i32) (local $j i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $cols) (i32.const {{shift}})))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            (v128.store (i32.add (local.get $o) (local.get $j))
              (v128.andnot (v128.load (i32.add (local.get $a) (local.get $j))) ({{V}}.le (v128.load (i32.add (local.get $b) (local.get $j))) ({{V}}.splat ({{T}}.const 0)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            ({{T}}.store (i32.add (local.get $o) (local.get $j))
              (select ({{T}}.const 0) ({{T}}.load (i32.add (local.get $a) (local.get $j))) ({{T}}.le ({{T}}.load (i32.add (local.get $b) (local.get $j))) ({{T}}.const 0))))
            (local.set $j (i32.add (local.get $j) (i32.const {{size}})))
            (br $tail)))
        (local.set $o (i32.add (local.get $o) (local.get $end)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (if (i32.eqz (local.get $bRow)) (then (local.set $b (i32.add (local.get $b) (local.get $end)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; out[i] = a[i] ∘ s, or s ∘ a[i] with $left, for n elements and a scalar s (a one-element
  ;; operand, splat), ∘ as above.
  ;; @for OP in add sub mul div
  (func (export "{{OP}}_scalar_{{T}}")
    (param $o i32) (param $a i32) (param $n i32) (param $s {{T}}) (param $left i32)
    (local $j i32) (local $end i32) (local $vend i32) (local $v v128)
    (local.set $end (i32.shl (local.get $n) (i32.const {{shift}})))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (local.set $v ({{V}}.splat (local.get $s)))
    (if (local.get $left)
      (then
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            (v128.store (i32.add (local.get $o) (local.get $j))
              ({{V}}.{{OP}} (local.get $v) (v128.load (i32.add (local.get $a) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            ({{T}}.store (i32.add (local.get $o) (local.get $j))
              ({{T}}.{{OP}} (local.get $s) ({{T}}.load (i32.add (local.get $a) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const {{size}})))
            (br $tail))))
      (else
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            (v128.store (i32.add (local.get $o) (local.get $j))
              ({{V}}.{{OP}} (v128.load (i32.add (local.get $a) (local.get $j))) (local.get $v)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            ({{T}}.store (i32.add (local.get $o) (local.get $j))
              ({{T}}.{{OP}} ({{T}}.load (i32.add (local.get $a) (local.get $j))) (local.get $s)))
            (local.set $j (i32.add (local.get $j) (i32.const {{size}})))
            (br $tail))))))
  ;; @end

  ;; out[r, j] = a[r, j] ∘ s_r, or s_r ∘ a[r, j] with $left, for rows × cols elements, where
  ;; s_r = b[r mod period]: a per-channel operand broadcast over [N, C, L] (period C, rows N·C,
  ;; cols L). ∘ as above.
  ;; @for OP in add sub mul div
  (func (export "{{OP}}_rows_{{T}}")
    (param $o i32) (param $a i32) (param $b i32) (param $rows i32) (param $cols i32)
    (param $period i32) (param $left i32)
    (local $r i32) (local $p i32) (local $j i32) (local $end i32) (local $vend i32)
    (local $s {{T}}) (local $v v128)
    (local.set $end (i32.shl (local.get $cols) (i32.const {{shift}})))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $s ({{T}}.load (i32.add (local.get $b) (i32.shl (local.get $p) (i32.const {{shift}})))))
        (local.set $v ({{V}}.splat (local.get $s)))
        (local.set $j (i32.const 0))
        (if (local.get $left)
          (then
            (block $done
              (loop $next
                (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
                (v128.store (i32.add (local.get $o) (local.get $j))
                  ({{V}}.{{OP}} (local.get $v) (v128.load (i32.add (local.get $a) (local.get $j)))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $next)))
            (block $tail_done
              (loop $tail
                (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
                ({{T}}.store (i32.add (local.get $o) (local.get $j))
                  ({{T}}.{{OP}} (local.get $s) ({{T}}.load (i32.add (local.get $a) (local.get $j)))))
                (local.set $j (i32.add (local.get $j) (i32.const {{size}})))
                (br $tail))))
          (else
            (block $done
              (loop $next
                (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
                (v128.store (i32.add (local.get $o) (local.get $j))
                  ({{V}}.{{OP}} (v128.load (i32.add (local.get $a) (local.get $j))) (local.get $v)))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $next)))
            (block $tail_done
              (loop $tail
                (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
                ({{T}}.store (i32.add (local.get $o) (local.get $j))
                  ({{T}}.{{OP}} ({{T}}.load (i32.add (local.get $a) (local.get $j))) (local.get $s)))
                (local.set $j (i32.add (local.get $j) (i32.const {{size}})))
                (br $tail)))))
        (local.set $o (i32.add (local.get $o) (local.get $end)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (if (i32.eq (local.get $p) (local.get $period)) (then (local.set $p (i32.const 0))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))
  ;; @end

  ;; out[i] = op(a[i]) for the IEEE operations negate, absolute value and square root, which
  ;; JavaScript's -x, Math.abs and Math.sqrt compute too (correctly rounded for sqrt).
  ;; @for OP in neg abs sqrt
  (func (export "{{OP}}_{{T}}") (param $o i32) (param $a i32) (param $n i32)
    (local $j i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $n) (i32.const {{shift}})))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
        (v128.store (i32.add (local.get $o) (local.get $j))
          ({{V}}.{{OP}} (v128.load (i32.add (local.get $a) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
        ({{T}}.store (i32.add (local.get $o) (local.get $j))
          ({{T}}.{{OP}} ({{T}}.load (i32.add (local.get $a) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const {{size}})))
        (br $tail))))
  ;; @end

  (func (export "relu_{{T}}") (param $o i32) (param $a i32) (param $n i32)
    (local $j i32) (local $end i32) (local $vend i32) (local $x v128) (local $s {{T}})
    (local.set $end (i32.shl (local.get $n) (i32.const {{shift}})))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $j))))
        (v128.store (i32.add (local.get $o) (local.get $j))
          (v128.andnot (local.get $x) ({{V}}.le (local.get $x) ({{V}}.splat ({{T}}.const 0)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $s ({{T}}.load (i32.add (local.get $a) (local.get $j))))
        ({{T}}.store (i32.add (local.get $o) (local.get $j))
          (select ({{T}}.const 0) (local.get $s) ({{T}}.le (local.get $s) ({{T}}.const 0))))
        (local.set $j (i32.add (local.get $j) (i32.const {{size}})))
        (br $tail))))
  ;; @end

  ;; acc[i] += x[k, i] for the rows k = 0 … rows−1 in order, i < cols: float64 sums of float32
  ;; (colsum_f32) or float64 (colsum_f64) rows, each column's rows added in the same order as the
  ;; TypeScript sumKernel adds them, so the sums are the same bit for bit. acc stays in the cache
  ;; while the rows stream by.
  ;; @for T in f32 f64
  (func (export "colsum_{{T}}") (param $acc i32) (param $x i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $j i32) (local $vend i32) (local $end i32)
    ;; @f32
    (local $p i32)
    ;; @end
    (local.set $vend (i32.shl (i32.and (local.get $cols) (i32.const -{{lanes}})) (i32.const {{shift}})))
    (local.set $end (i32.shl (local.get $cols) (i32.const {{shift}})))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            ;; @f32
            ;; x[j…j+3] (bytes 4j) into acc[j…j+3] (bytes 8j)
            (local.set $p (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 1))))
            (v128.store (local.get $p)
              (f64x2.add (v128.load (local.get $p))
                (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $x) (local.get $j))))))
            (v128.store offset=16 (local.get $p)
              (f64x2.add (v128.load offset=16 (local.get $p))
                (f64x2.promote_low_f32x4
                  (v128.load64_zero offset=8 (i32.add (local.get $x) (local.get $j))))))
            ;; @f64
            (v128.store (i32.add (local.get $acc) (local.get $j))
              (f64x2.add (v128.load (i32.add (local.get $acc) (local.get $j)))
                (v128.load (i32.add (local.get $x) (local.get $j)))))
            ;; @end
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        ;; @f32
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            (local.set $p (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 1))))
            (f64.store (local.get $p)
              (f64.add (f64.load (local.get $p))
                (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $tail)))
        ;; @f64
        (if (i32.lt_u (local.get $j) (local.get $end))
          (then
            (f64.store (i32.add (local.get $acc) (local.get $j))
              (f64.add (f64.load (i32.add (local.get $acc) (local.get $j)))
                (f64.load (i32.add (local.get $x) (local.get $j)))))))
        ;; @end
        (local.set $x (i32.add (local.get $x) (local.get $end)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))
  ;; @end
  ;; Conversions between float32 and float64 storage: widening is exact, narrowing rounds to
  ;; nearest even, as a typed array's set() and Math.fround do.
  (func (export "cast_f32_f64") (param $o i32) (param $a i32) (param $n i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $n)))
        (v128.store (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 3)))
          (f64x2.promote_low_f32x4
            (v128.load64_zero (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (if (i32.lt_u (local.get $i) (local.get $n))
      (then
        (f64.store (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 3)))
          (f64.promote_f32 (f32.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2)))))))))

  (func (export "cast_f64_f32") (param $o i32) (param $a i32) (param $n i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $n)))
        (v128.store64_lane 0 (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 2)))
          (f32x4.demote_f64x2_zero
            (v128.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (if (i32.lt_u (local.get $i) (local.get $n))
      (then
        (f32.store (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 2)))
          (f32.demote_f64 (f64.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3)))))))))
)
