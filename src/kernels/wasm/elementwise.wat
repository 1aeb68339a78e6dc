;; Binary elementwise ops over float32 or float64 storage at byte offsets into this module's
;; memory: out[r, j] = a[r, j] ∘ b[r, j], or ∘ b[j] when $bRow is set (b one row, repeated: a
;; bias), for rows × cols elements; out may be a or b. ∘ is + − × ÷ or `thr`, PyTorch's
;; threshold_backward (+0 where b ≤ 0, else a: NaN in b keeps a); `relu` is the unary max(x, 0) with
;; NaN kept. `colsum` adds rows into float64 column sums. SIMD lanes do exactly the IEEE operation of the scalar kernels (a float32 result is
;; the correctly rounded one, which is also what JavaScript's double operation then Math.fround
;; gives), so the results are the same bit for bit; the last cols mod 4 (or 2) elements of a
;; row take the scalar instruction.
(module
  (memory (export "memory") 1)

  (func (export "add_f32")
    (param $o i32) (param $a i32) (param $b i32) (param $rows i32) (param $cols i32) (param $bRow i32)
    (local $r i32) (local $j i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            (v128.store (i32.add (local.get $o) (local.get $j))
              (f32x4.add (v128.load (i32.add (local.get $a) (local.get $j))) (v128.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            (f32.store (i32.add (local.get $o) (local.get $j))
              (f32.add (f32.load (i32.add (local.get $a) (local.get $j))) (f32.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $tail)))
        (local.set $o (i32.add (local.get $o) (local.get $end)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (if (i32.eqz (local.get $bRow)) (then (local.set $b (i32.add (local.get $b) (local.get $end)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  (func (export "sub_f32")
    (param $o i32) (param $a i32) (param $b i32) (param $rows i32) (param $cols i32) (param $bRow i32)
    (local $r i32) (local $j i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            (v128.store (i32.add (local.get $o) (local.get $j))
              (f32x4.sub (v128.load (i32.add (local.get $a) (local.get $j))) (v128.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            (f32.store (i32.add (local.get $o) (local.get $j))
              (f32.sub (f32.load (i32.add (local.get $a) (local.get $j))) (f32.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $tail)))
        (local.set $o (i32.add (local.get $o) (local.get $end)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (if (i32.eqz (local.get $bRow)) (then (local.set $b (i32.add (local.get $b) (local.get $end)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  (func (export "mul_f32")
    (param $o i32) (param $a i32) (param $b i32) (param $rows i32) (param $cols i32) (param $bRow i32)
    (local $r i32) (local $j i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            (v128.store (i32.add (local.get $o) (local.get $j))
              (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $j))) (v128.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            (f32.store (i32.add (local.get $o) (local.get $j))
              (f32.mul (f32.load (i32.add (local.get $a) (local.get $j))) (f32.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $tail)))
        (local.set $o (i32.add (local.get $o) (local.get $end)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (if (i32.eqz (local.get $bRow)) (then (local.set $b (i32.add (local.get $b) (local.get $end)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  (func (export "div_f32")
    (param $o i32) (param $a i32) (param $b i32) (param $rows i32) (param $cols i32) (param $bRow i32)
    (local $r i32) (local $j i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            (v128.store (i32.add (local.get $o) (local.get $j))
              (f32x4.div (v128.load (i32.add (local.get $a) (local.get $j))) (v128.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            (f32.store (i32.add (local.get $o) (local.get $j))
              (f32.div (f32.load (i32.add (local.get $a) (local.get $j))) (f32.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $tail)))
        (local.set $o (i32.add (local.get $o) (local.get $end)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (if (i32.eqz (local.get $bRow)) (then (local.set $b (i32.add (local.get $b) (local.get $end)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  (func (export "thr_f32")
    (param $o i32) (param $a i32) (param $b i32) (param $rows i32) (param $cols i32) (param $bRow i32)
    (local $r i32) (local $j i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            (v128.store (i32.add (local.get $o) (local.get $j))
              (v128.andnot (v128.load (i32.add (local.get $a) (local.get $j))) (f32x4.le (v128.load (i32.add (local.get $b) (local.get $j))) (f32x4.splat (f32.const 0)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            (f32.store (i32.add (local.get $o) (local.get $j))
              (select (f32.const 0) (f32.load (i32.add (local.get $a) (local.get $j))) (f32.le (f32.load (i32.add (local.get $b) (local.get $j))) (f32.const 0))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $tail)))
        (local.set $o (i32.add (local.get $o) (local.get $end)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (if (i32.eqz (local.get $bRow)) (then (local.set $b (i32.add (local.get $b) (local.get $end)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  (func (export "relu_f32") (param $o i32) (param $a i32) (param $n i32)
    (local $j i32) (local $end i32) (local $vend i32) (local $x v128) (local $s f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $j))))
        (v128.store (i32.add (local.get $o) (local.get $j))
          (v128.andnot (local.get $x) (f32x4.le (local.get $x) (f32x4.splat (f32.const 0)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $s (f32.load (i32.add (local.get $a) (local.get $j))))
        (f32.store (i32.add (local.get $o) (local.get $j))
          (select (f32.const 0) (local.get $s) (f32.le (local.get $s) (f32.const 0))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $tail))))

  (func (export "add_f64")
    (param $o i32) (param $a i32) (param $b i32) (param $rows i32) (param $cols i32) (param $bRow i32)
    (local $r i32) (local $j i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $cols) (i32.const 3)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            (v128.store (i32.add (local.get $o) (local.get $j))
              (f64x2.add (v128.load (i32.add (local.get $a) (local.get $j))) (v128.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            (f64.store (i32.add (local.get $o) (local.get $j))
              (f64.add (f64.load (i32.add (local.get $a) (local.get $j))) (f64.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $tail)))
        (local.set $o (i32.add (local.get $o) (local.get $end)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (if (i32.eqz (local.get $bRow)) (then (local.set $b (i32.add (local.get $b) (local.get $end)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  (func (export "sub_f64")
    (param $o i32) (param $a i32) (param $b i32) (param $rows i32) (param $cols i32) (param $bRow i32)
    (local $r i32) (local $j i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $cols) (i32.const 3)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            (v128.store (i32.add (local.get $o) (local.get $j))
              (f64x2.sub (v128.load (i32.add (local.get $a) (local.get $j))) (v128.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            (f64.store (i32.add (local.get $o) (local.get $j))
              (f64.sub (f64.load (i32.add (local.get $a) (local.get $j))) (f64.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $tail)))
        (local.set $o (i32.add (local.get $o) (local.get $end)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (if (i32.eqz (local.get $bRow)) (then (local.set $b (i32.add (local.get $b) (local.get $end)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  (func (export "mul_f64")
    (param $o i32) (param $a i32) (param $b i32) (param $rows i32) (param $cols i32) (param $bRow i32)
    (local $r i32) (local $j i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $cols) (i32.const 3)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            (v128.store (i32.add (local.get $o) (local.get $j))
              (f64x2.mul (v128.load (i32.add (local.get $a) (local.get $j))) (v128.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            (f64.store (i32.add (local.get $o) (local.get $j))
              (f64.mul (f64.load (i32.add (local.get $a) (local.get $j))) (f64.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $tail)))
        (local.set $o (i32.add (local.get $o) (local.get $end)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (if (i32.eqz (local.get $bRow)) (then (local.set $b (i32.add (local.get $b) (local.get $end)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  (func (export "div_f64")
    (param $o i32) (param $a i32) (param $b i32) (param $rows i32) (param $cols i32) (param $bRow i32)
    (local $r i32) (local $j i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $cols) (i32.const 3)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            (v128.store (i32.add (local.get $o) (local.get $j))
              (f64x2.div (v128.load (i32.add (local.get $a) (local.get $j))) (v128.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            (f64.store (i32.add (local.get $o) (local.get $j))
              (f64.div (f64.load (i32.add (local.get $a) (local.get $j))) (f64.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $tail)))
        (local.set $o (i32.add (local.get $o) (local.get $end)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (if (i32.eqz (local.get $bRow)) (then (local.set $b (i32.add (local.get $b) (local.get $end)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  (func (export "thr_f64")
    (param $o i32) (param $a i32) (param $b i32) (param $rows i32) (param $cols i32) (param $bRow i32)
    (local $r i32) (local $j i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $cols) (i32.const 3)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            (v128.store (i32.add (local.get $o) (local.get $j))
              (v128.andnot (v128.load (i32.add (local.get $a) (local.get $j))) (f64x2.le (v128.load (i32.add (local.get $b) (local.get $j))) (f64x2.splat (f64.const 0)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            (f64.store (i32.add (local.get $o) (local.get $j))
              (select (f64.const 0) (f64.load (i32.add (local.get $a) (local.get $j))) (f64.le (f64.load (i32.add (local.get $b) (local.get $j))) (f64.const 0))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $tail)))
        (local.set $o (i32.add (local.get $o) (local.get $end)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (if (i32.eqz (local.get $bRow)) (then (local.set $b (i32.add (local.get $b) (local.get $end)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  (func (export "relu_f64") (param $o i32) (param $a i32) (param $n i32)
    (local $j i32) (local $end i32) (local $vend i32) (local $x v128) (local $s f64)
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $j))))
        (v128.store (i32.add (local.get $o) (local.get $j))
          (v128.andnot (local.get $x) (f64x2.le (local.get $x) (f64x2.splat (f64.const 0)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $s (f64.load (i32.add (local.get $a) (local.get $j))))
        (f64.store (i32.add (local.get $o) (local.get $j))
          (select (f64.const 0) (local.get $s) (f64.le (local.get $s) (f64.const 0))))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $tail))))

  ;; acc[i] += x[k, i] for the rows k = 0 … rows−1 in order, i < cols: float64 sums of float32
  ;; (colsum_f32) or float64 (colsum_f64) rows, each column's rows added in the same order as the
  ;; TypeScript sumKernel adds them, so the sums are the same bit for bit. acc stays in the cache
  ;; while the rows stream by.
  (func (export "colsum_f32") (param $acc i32) (param $x i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $j i32) (local $vend i32) (local $end i32) (local $p i32)
    (local.set $vend (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $cols) (i32.const 2)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            ;; x[j…j+3] (bytes 4j) into acc[j…j+3] (bytes 8j)
            (local.set $p (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 1))))
            (v128.store (local.get $p)
              (f64x2.add (v128.load (local.get $p))
                (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $x) (local.get $j))))))
            (v128.store offset=16 (local.get $p)
              (f64x2.add (v128.load offset=16 (local.get $p))
                (f64x2.promote_low_f32x4
                  (v128.load64_zero offset=8 (i32.add (local.get $x) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            (local.set $p (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 1))))
            (f64.store (local.get $p)
              (f64.add (f64.load (local.get $p))
                (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $tail)))
        (local.set $x (i32.add (local.get $x) (local.get $end)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  (func (export "colsum_f64") (param $acc i32) (param $x i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $j i32) (local $vend i32) (local $end i32)
    (local.set $vend (i32.shl (i32.and (local.get $cols) (i32.const -2)) (i32.const 3)))
    (local.set $end (i32.shl (local.get $cols) (i32.const 3)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $vend)))
            (v128.store (i32.add (local.get $acc) (local.get $j))
              (f64x2.add (v128.load (i32.add (local.get $acc) (local.get $j)))
                (v128.load (i32.add (local.get $x) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (if (i32.lt_u (local.get $j) (local.get $end))
          (then
            (f64.store (i32.add (local.get $acc) (local.get $j))
              (f64.add (f64.load (i32.add (local.get $acc) (local.get $j)))
                (f64.load (i32.add (local.get $x) (local.get $j)))))))
        (local.set $x (i32.add (local.get $x) (local.get $end)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))
)
