;; f32 matrix product C[n×m] = A[n×k] · B[k×m], row-major, byte offsets a, b, c into this
;; module's memory. A 4×8 register block: each step over p loads 8 floats of a row of B once
;; and multiplies them by 4 broadcast elements of A, accumulating 8 f32x4 vectors. Rows and
;; columns beyond the last full block go through the scalar dot product.
(module
  (memory (export "memory") 1)

  ;; Σ_p a[p]·b[p·m], sequential f32 accumulation.
  (func $dot (param $ap i32) (param $bp i32) (param $k i32) (param $rowM i32) (result f32)
    (local $s f32) (local $p i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $k)))
        (local.set $s
          (f32.add (local.get $s)
            (f32.mul (f32.load (local.get $ap)) (f32.load (local.get $bp)))))
        (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
        (local.set $bp (i32.add (local.get $bp) (local.get $rowM)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (local.get $s))

  (func (export "matmul_f32")
    (param $a i32) (param $b i32) (param $c i32) (param $n i32) (param $k i32) (param $m i32)
    (local $i i32) (local $j i32) (local $p i32) (local $r i32)
    (local $n4 i32) (local $m8 i32) (local $rowK i32) (local $rowM i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $ap i32) (local $bp i32) (local $cp i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $av v128)
    (local.set $rowK (i32.shl (local.get $k) (i32.const 2)))
    (local.set $rowM (i32.shl (local.get $m) (i32.const 2)))
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (local.set $m8 (i32.and (local.get $m) (i32.const -8)))
    ;; full blocks of 4 rows
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $n4)))
        (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowK))))
        (local.set $a1 (i32.add (local.get $a0) (local.get $rowK)))
        (local.set $a2 (i32.add (local.get $a1) (local.get $rowK)))
        (local.set $a3 (i32.add (local.get $a2) (local.get $rowK)))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $m8)))
            (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0))
            (local.set $c10 (v128.const i32x4 0 0 0 0)) (local.set $c11 (v128.const i32x4 0 0 0 0))
            (local.set $c20 (v128.const i32x4 0 0 0 0)) (local.set $c21 (v128.const i32x4 0 0 0 0))
            (local.set $c30 (v128.const i32x4 0 0 0 0)) (local.set $c31 (v128.const i32x4 0 0 0 0))
            (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $ap (i32.const 0))
            (local.set $p (i32.const 0))
            (block $k_done
              (loop $kk
                (br_if $k_done (i32.ge_u (local.get $p) (local.get $k)))
                (local.set $b0 (v128.load (local.get $bp)))
                (local.set $b1 (v128.load offset=16 (local.get $bp)))
                (local.set $av (f32x4.splat (f32.load (i32.add (local.get $a0) (local.get $ap)))))
                (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $av) (local.get $b0))))
                (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $av) (local.get $b1))))
                (local.set $av (f32x4.splat (f32.load (i32.add (local.get $a1) (local.get $ap)))))
                (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $av) (local.get $b0))))
                (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $av) (local.get $b1))))
                (local.set $av (f32x4.splat (f32.load (i32.add (local.get $a2) (local.get $ap)))))
                (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $av) (local.get $b0))))
                (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $av) (local.get $b1))))
                (local.set $av (f32x4.splat (f32.load (i32.add (local.get $a3) (local.get $ap)))))
                (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $av) (local.get $b0))))
                (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $av) (local.get $b1))))
                (local.set $bp (i32.add (local.get $bp) (local.get $rowM)))
                (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $kk)))
            (local.set $cp
              (i32.add (local.get $c)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $m)) (local.get $j)) (i32.const 2))))
            (v128.store (local.get $cp) (local.get $c00))
            (v128.store offset=16 (local.get $cp) (local.get $c01))
            (local.set $cp (i32.add (local.get $cp) (local.get $rowM)))
            (v128.store (local.get $cp) (local.get $c10))
            (v128.store offset=16 (local.get $cp) (local.get $c11))
            (local.set $cp (i32.add (local.get $cp) (local.get $rowM)))
            (v128.store (local.get $cp) (local.get $c20))
            (v128.store offset=16 (local.get $cp) (local.get $c21))
            (local.set $cp (i32.add (local.get $cp) (local.get $rowM)))
            (v128.store (local.get $cp) (local.get $c30))
            (v128.store offset=16 (local.get $cp) (local.get $c31))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $cols)))
        ;; leftover columns of these 4 rows
        (local.set $r (i32.const 0))
        (block $rr_done
          (loop $rr
            (br_if $rr_done (i32.ge_u (local.get $r) (i32.const 4)))
            (local.set $j (local.get $m8))
            (block $jj_done
              (loop $jj
                (br_if $jj_done (i32.ge_u (local.get $j) (local.get $m)))
                (f32.store
                  (i32.add (local.get $c)
                    (i32.shl
                      (i32.add (i32.mul (i32.add (local.get $i) (local.get $r)) (local.get $m)) (local.get $j))
                      (i32.const 2)))
                  (call $dot
                    (i32.add (local.get $a0) (i32.mul (local.get $r) (local.get $rowK)))
                    (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))
                    (local.get $k) (local.get $rowM)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $jj)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rr)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows)))
    ;; leftover rows
    (block $ri_done
      (loop $ri
        (br_if $ri_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $j (i32.const 0))
        (block $rj_done
          (loop $rj
            (br_if $rj_done (i32.ge_u (local.get $j) (local.get $m)))
            (f32.store
              (i32.add (local.get $c)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $m)) (local.get $j)) (i32.const 2)))
              (call $dot
                (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowK)))
                (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))
                (local.get $k) (local.get $rowM)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $rj)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $ri)))))
