;; Pooling kernels over planes (N·C contiguous planes of h×w elements), for f32 and f64 storage,
;; on byte offsets into the tensor memory they import. They are the TypeScript kernels of
;; src/kernels/pool.ts evaluated in the same order, so the results are bit-identical:
;;  - max pooling compares in the storage type (exact) with PyTorch's rule, take v when
;;    v > best or v is NaN, over each window in row-major order; max_bwd zeroes dx and adds each
;;    upstream gradient at its index, in output order, skipping an index past the plane;
;;  - average pooling sums each window in f64 and divides once (f32 storage: promoted, the result
;;    rounded once by demote, as JavaScript's double arithmetic and Float32Array store do); its
;;    backward adds g/divisor, computed in f64, into dx in output order, each sum rounded to the
;;    storage type as the TypeScript `dx[i] += d` rounds it.
;; Average pooling takes its windows as i32 arrays: per output row its first and past-the-last
;; input row and its extent in the divisor (rs, re, rn), likewise per output column (cs, ce, cn);
;; $div is the divisor override, or 0 for rn·cn.
;;
;; max_fwd_2x2_f32 is the MNIST-sized case (kernel 2, stride 2, no padding or dilation, every
;; window inside the input): four outputs per step, the two rows of eight inputs each split into
;; even and odd lanes by shuffles, the four candidates taken in window order with the same rule
;; as the scalar loop (lane masks: gt or NaN), indices alongside in an i32x4; a row of fewer than
;; four outputs takes the scalar rule.
;;
;; A template, expanded by scripts/build-wasm.mjs before it is assembled (its header has the
;; rules; `node scripts/build-wasm.mjs --expand pool.wat` prints the result): the lines from
;; `;; @for T in f32 f64` to its `;; @end` are written out for T = f32, then T = f64, with {{T}}
;; and the names defined below replaced by their value for that T.
;; Bytes per element and their log2:
;; @f32 size = 4
;; @f64 size = 8
;; @f32 shift = 2
;; @f64 shift = 3
;; The element at A as f64, and the f64 X stored as an element at A (rounded once for f32):
;; @f32 load(A) = (f64.promote_f32 (f32.load A))
;; @f64 load(A) = (f64.load A)
;; @f32 store(A, X) = (f32.store A (f32.demote_f64 X))
;; @f64 store(A, X) = (f64.store A X)
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Zeroes n bytes (a multiple of 4) from $at.
  (func $zero (param $at i32) (param $n i32)
    (local $end i32) (local $vend i32)
    (local.set $end (i32.add (local.get $at) (local.get $n)))
    (local.set $vend (i32.add (local.get $at) (i32.and (local.get $n) (i32.const -16))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $vend)))
        (v128.store (local.get $at) (v128.const i64x2 0 0))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $next)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $at) (local.get $end)))
        (i32.store (local.get $at) (i32.const 0))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (br $tail))))

  ;; @for T in f32 f64
  (func (export "max_fwd_{{T}}")
    (param $x i32) (param $out i32) (param $idx i32) (param $planes i32) (param $h i32) (param $w i32)
    (param $oh i32) (param $ow i32) (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32)
    (param $ph i32) (param $pw i32) (param $dh i32) (param $dw i32)
    (local $p i32) (local $oy i32) (local $ox i32) (local $y0 i32) (local $y1 i32) (local $x0 i32)
    (local $x1 i32) (local $y i32) (local $xx i32) (local $i i32) (local $at i32) (local $o i32)
    (local $xb i32) (local $best {{T}}) (local $v {{T}}) (local $take i32)
    (block $planes_done
      (loop $plane
        (br_if $planes_done (i32.ge_u (local.get $p) (local.get $planes)))
        (local.set $xb (i32.add (local.get $x)
          (i32.shl (i32.mul (local.get $p) (i32.mul (local.get $h) (local.get $w))) (i32.const {{shift}}))))
        (local.set $oy (i32.const 0))
        (block $rows_done
          (loop $row
            (br_if $rows_done (i32.ge_s (local.get $oy) (local.get $oh)))
            (local.set $y0 (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $ph)))
            (local.set $y1 (i32.add (local.get $y0)
              (i32.add (i32.mul (i32.sub (local.get $kh) (i32.const 1)) (local.get $dh)) (i32.const 1))))
            (if (i32.gt_s (local.get $y1) (local.get $h)) (then (local.set $y1 (local.get $h))))
            (block $y0_done
              (loop $y0_up
                (br_if $y0_done (i32.ge_s (local.get $y0) (i32.const 0)))
                (local.set $y0 (i32.add (local.get $y0) (local.get $dh)))
                (br $y0_up)))
            (local.set $ox (i32.const 0))
            (block $cols_done
              (loop $col
                (br_if $cols_done (i32.ge_s (local.get $ox) (local.get $ow)))
                (local.set $x0 (i32.sub (i32.mul (local.get $ox) (local.get $sw)) (local.get $pw)))
                (local.set $x1 (i32.add (local.get $x0)
                  (i32.add (i32.mul (i32.sub (local.get $kw) (i32.const 1)) (local.get $dw)) (i32.const 1))))
                (if (i32.gt_s (local.get $x1) (local.get $w)) (then (local.set $x1 (local.get $w))))
                (block $x0_done
                  (loop $x0_up
                    (br_if $x0_done (i32.ge_s (local.get $x0) (i32.const 0)))
                    (local.set $x0 (i32.add (local.get $x0) (local.get $dw)))
                    (br $x0_up)))
                (local.set $best ({{T}}.const -inf))
                (local.set $at (i32.add (i32.mul (local.get $y0) (local.get $w)) (local.get $x0)))
                (local.set $y (local.get $y0))
                (block $wy_done
                  (loop $wy
                    (br_if $wy_done (i32.ge_s (local.get $y) (local.get $y1)))
                    (local.set $xx (local.get $x0))
                    (block $wx_done
                      (loop $wx
                        (br_if $wx_done (i32.ge_s (local.get $xx) (local.get $x1)))
                        (local.set $i (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $xx)))
                        (local.set $v ({{T}}.load (i32.add (local.get $xb) (i32.shl (local.get $i) (i32.const {{shift}})))))
                        ;; branch-free: the comparison is data-dependent and mispredicts
                        (local.set $take (i32.or ({{T}}.gt (local.get $v) (local.get $best)) ({{T}}.ne (local.get $v) (local.get $v))))
                        (local.set $best (select (local.get $v) (local.get $best) (local.get $take)))
                        (local.set $at (select (local.get $i) (local.get $at) (local.get $take)))
                        (local.set $xx (i32.add (local.get $xx) (local.get $dw)))
                        (br $wx)))
                    (local.set $y (i32.add (local.get $y) (local.get $dh)))
                    (br $wy)))
                ({{T}}.store (i32.add (local.get $out) (i32.shl (local.get $o) (i32.const {{shift}}))) (local.get $best))
                (i32.store (i32.add (local.get $idx) (i32.shl (local.get $o) (i32.const 2))) (local.get $at))
                (local.set $o (i32.add (local.get $o) (i32.const 1)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (br $col)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $row)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $plane))))

  (func (export "max_bwd_{{T}}")
    (param $dx i32) (param $dy i32) (param $idx i32) (param $planes i32) (param $insize i32) (param $outsize i32)
    (local $p i32) (local $o i32) (local $i i32) (local $xb i32) (local $a i32) (local $n i32)
    (call $zero (local.get $dx) (i32.shl (i32.mul (local.get $planes) (local.get $insize)) (i32.const {{shift}})))
    (local.set $n (i32.mul (local.get $planes) (local.get $outsize)))
    (local.set $xb (local.get $dx))
    (block $planes_done
      (loop $plane
        (br_if $planes_done (i32.ge_u (local.get $p) (local.get $planes)))
        (local.set $i (i32.const 0))
        (block $outs_done
          (loop $out
            (br_if $outs_done (i32.ge_u (local.get $i) (local.get $outsize)))
            (local.set $a (i32.load (i32.add (local.get $idx) (i32.shl (local.get $o) (i32.const 2)))))
            ;; unsigned: a negative index is past the plane too
            (if (i32.lt_u (local.get $a) (local.get $insize))
              (then
                (local.set $a (i32.add (local.get $xb) (i32.shl (local.get $a) (i32.const {{shift}}))))
                ({{T}}.store (local.get $a)
                  ({{T}}.add ({{T}}.load (local.get $a))
                    ({{T}}.load (i32.add (local.get $dy) (i32.shl (local.get $o) (i32.const {{shift}}))))))))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $out)))
        (local.set $xb (i32.add (local.get $xb) (i32.shl (local.get $insize) (i32.const {{shift}}))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $plane))))

  ;; Average pooling forward ($back = 0) and backward ($back = 1, $x = dx, $out = dy): one walk
  ;; over the windows, in output order.
  (func $avg_{{T}}
    (param $x i32) (param $out i32) (param $planes i32) (param $h i32) (param $w i32) (param $oh i32)
    (param $ow i32) (param $rs i32) (param $re i32) (param $rn i32) (param $cs i32) (param $ce i32)
    (param $cn i32) (param $div f64) (param $back i32)
    (local $p i32) (local $oy i32) (local $ox i32) (local $y0 i32) (local $y1 i32) (local $x0 i32)
    (local $x1 i32) (local $y i32) (local $xx i32) (local $o i32) (local $xb i32) (local $row i32)
    (local $a i32) (local $extent i32) (local $s f64) (local $d f64) (local $at i32)
    (if (local.get $back)
      (then (call $zero (local.get $x)
        (i32.shl (i32.mul (local.get $planes) (i32.mul (local.get $h) (local.get $w))) (i32.const {{shift}})))))
    (local.set $xb (local.get $x))
    (block $planes_done
      (loop $plane
        (br_if $planes_done (i32.ge_u (local.get $p) (local.get $planes)))
        (local.set $oy (i32.const 0))
        (block $rows_done
          (loop $orow
            (br_if $rows_done (i32.ge_s (local.get $oy) (local.get $oh)))
            (local.set $a (i32.shl (local.get $oy) (i32.const 2)))
            (local.set $y0 (i32.load (i32.add (local.get $rs) (local.get $a))))
            (local.set $y1 (i32.load (i32.add (local.get $re) (local.get $a))))
            (local.set $extent (i32.load (i32.add (local.get $rn) (local.get $a))))
            (local.set $ox (i32.const 0))
            (block $cols_done
              (loop $ocol
                (br_if $cols_done (i32.ge_s (local.get $ox) (local.get $ow)))
                (local.set $a (i32.shl (local.get $ox) (i32.const 2)))
                (local.set $x0 (i32.load (i32.add (local.get $cs) (local.get $a))))
                (local.set $x1 (i32.load (i32.add (local.get $ce) (local.get $a))))
                (local.set $d
                  (if (result f64) (f64.ne (local.get $div) (f64.const 0))
                    (then (local.get $div))
                    (else (f64.convert_i32_s (i32.mul (local.get $extent)
                      (i32.load (i32.add (local.get $cn) (local.get $a))))))))
                (local.set $at (i32.add (local.get $out) (i32.shl (local.get $o) (i32.const {{shift}}))))
                (if (i32.or (i32.ge_s (local.get $y0) (local.get $y1)) (i32.ge_s (local.get $x0) (local.get $x1)))
                  (then
                    (if (i32.eqz (local.get $back)) (then ({{T}}.store (local.get $at) ({{T}}.const 0)))))
                  (else
                    (if (local.get $back)
                      (then
                        (local.set $d (f64.div {{load (local.get $at)}} (local.get $d)))
                        (local.set $y (local.get $y0))
                        (block $by_done
                          (loop $by
                            (br_if $by_done (i32.ge_s (local.get $y) (local.get $y1)))
                            (local.set $row (i32.add (local.get $xb) (i32.shl (i32.mul (local.get $y) (local.get $w)) (i32.const {{shift}}))))
                            (local.set $xx (local.get $x0))
                            (block $bx_done
                              (loop $bx
                                (br_if $bx_done (i32.ge_s (local.get $xx) (local.get $x1)))
                                (local.set $a (i32.add (local.get $row) (i32.shl (local.get $xx) (i32.const {{shift}}))))
                                {{store (local.get $a) (f64.add {{load (local.get $a)}} (local.get $d))}}
                                (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
                                (br $bx)))
                            (local.set $y (i32.add (local.get $y) (i32.const 1)))
                            (br $by))))
                      (else
                        (local.set $s (f64.const 0))
                        (local.set $y (local.get $y0))
                        (block $fy_done
                          (loop $fy
                            (br_if $fy_done (i32.ge_s (local.get $y) (local.get $y1)))
                            (local.set $row (i32.add (local.get $xb) (i32.shl (i32.mul (local.get $y) (local.get $w)) (i32.const {{shift}}))))
                            (local.set $xx (local.get $x0))
                            (block $fx_done
                              (loop $fx
                                (br_if $fx_done (i32.ge_s (local.get $xx) (local.get $x1)))
                                (local.set $s (f64.add (local.get $s)
                                  {{load (i32.add (local.get $row) (i32.shl (local.get $xx) (i32.const {{shift}})))}}))
                                (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
                                (br $fx)))
                            (local.set $y (i32.add (local.get $y) (i32.const 1)))
                            (br $fy)))
                        {{store (local.get $at) (f64.div (local.get $s) (local.get $d))}}))))
                (local.set $o (i32.add (local.get $o) (i32.const 1)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (br $ocol)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $orow)))
        (local.set $xb (i32.add (local.get $xb)
          (i32.shl (i32.mul (local.get $h) (local.get $w)) (i32.const {{shift}}))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $plane))))

  (func (export "avg_fwd_{{T}}")
    (param $x i32) (param $out i32) (param $planes i32) (param $h i32) (param $w i32) (param $oh i32)
    (param $ow i32) (param $rs i32) (param $re i32) (param $rn i32) (param $cs i32) (param $ce i32)
    (param $cn i32) (param $div f64)
    (call $avg_{{T}} (local.get $x) (local.get $out) (local.get $planes) (local.get $h) (local.get $w)
      (local.get $oh) (local.get $ow) (local.get $rs) (local.get $re) (local.get $rn) (local.get $cs)
      (local.get $ce) (local.get $cn) (local.get $div) (i32.const 0)))

  (func (export "avg_bwd_{{T}}")
    (param $dx i32) (param $dy i32) (param $planes i32) (param $h i32) (param $w i32) (param $oh i32)
    (param $ow i32) (param $rs i32) (param $re i32) (param $rn i32) (param $cs i32) (param $ce i32)
    (param $cn i32) (param $div f64)
    (call $avg_{{T}} (local.get $dx) (local.get $dy) (local.get $planes) (local.get $h) (local.get $w)
      (local.get $oh) (local.get $ow) (local.get $rs) (local.get $re) (local.get $rn) (local.get $cs)
      (local.get $ce) (local.get $cn) (local.get $div) (i32.const 1)))
  ;; @end

  ;; In the 2×2 kernel below, each candidate v at index vi replaces (m, mi) where v > m or v is
  ;; NaN: lane masks with bitselect in the vector loop, `if` in the scalar tail.
  (func (export "max_fwd_2x2_f32")
    (param $x i32) (param $out i32) (param $idx i32) (param $planes i32) (param $h i32) (param $w i32)
    (param $oh i32) (param $ow i32)
    (local $p i32) (local $oy i32) (local $ox i32) (local $r0 i32) (local $r1 i32) (local $base i32)
    (local $o i32) (local $vend i32) (local $plane i32) (local $rowb i32)
    (local $a v128) (local $b v128) (local $m v128) (local $mi v128) (local $i v128) (local $wv v128)
    (local $sm f32) (local $si i32) (local $q i32) (local $v v128) (local $u v128) (local $sv f32)
    ;; the last vector step's first output (when ow ≥ 4)
    (local.set $vend (i32.sub (local.get $ow) (i32.const 4)))
    (local.set $wv (i32x4.splat (local.get $w)))
    (block $planes_done
      (loop $pl
        (br_if $planes_done (i32.ge_u (local.get $p) (local.get $planes)))
        (local.set $plane (i32.mul (local.get $p) (i32.mul (local.get $h) (local.get $w))))
        (local.set $oy (i32.const 0))
        (block $rows_done
          (loop $row
            (br_if $rows_done (i32.ge_u (local.get $oy) (local.get $oh)))
            ;; in-plane index of the window's top-left at ox = 0
            (local.set $rowb (i32.mul (i32.shl (local.get $oy) (i32.const 1)) (local.get $w)))
            (local.set $r0 (i32.add (local.get $x) (i32.shl (i32.add (local.get $plane) (local.get $rowb)) (i32.const 2))))
            (local.set $r1 (i32.add (local.get $r0) (i32.shl (local.get $w) (i32.const 2))))
            (local.set $ox (i32.const 0))
            ;; A row of four or more outputs ends with a vector step at ow − 4, which recomputes
            ;; up to three outputs (to the same values): no scalar tail.
            (block $vec_done
              (br_if $vec_done (i32.lt_u (local.get $ow) (i32.const 4)))
              (loop $vec
                (br_if $vec_done (i32.ge_u (local.get $ox) (local.get $ow)))
                (if (i32.gt_u (local.get $ox) (local.get $vend))
                  (then (local.set $ox (local.get $vend))))
                (local.set $q (i32.shl (local.get $ox) (i32.const 3)))
                (local.set $i (i32x4.add (i32x4.splat (i32.add (local.get $rowb) (i32.shl (local.get $ox) (i32.const 1))))
                  (v128.const i32x4 0 2 4 6)))
                ;; row 0: (0, 0) then (0, 1)
                (local.set $a (v128.load (i32.add (local.get $r0) (local.get $q))))
                (local.set $b (v128.load offset=16 (i32.add (local.get $r0) (local.get $q))))
                (local.set $m (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a) (local.get $b)))
                (local.set $mi (local.get $i))
                (local.set $v (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a) (local.get $b)))
                (local.set $u (v128.or (f32x4.gt (local.get $v) (local.get $m)) (f32x4.ne (local.get $v) (local.get $v))))
                (local.set $m (v128.bitselect (local.get $v) (local.get $m) (local.get $u)))
                (local.set $mi (v128.bitselect (i32x4.add (local.get $i) (v128.const i32x4 1 1 1 1)) (local.get $mi) (local.get $u)))
                ;; row 1: (1, 0) then (1, 1)
                (local.set $a (v128.load (i32.add (local.get $r1) (local.get $q))))
                (local.set $b (v128.load offset=16 (i32.add (local.get $r1) (local.get $q))))
                (local.set $i (i32x4.add (local.get $i) (local.get $wv)))
                (local.set $v (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a) (local.get $b)))
                (local.set $u (v128.or (f32x4.gt (local.get $v) (local.get $m)) (f32x4.ne (local.get $v) (local.get $v))))
                (local.set $m (v128.bitselect (local.get $v) (local.get $m) (local.get $u)))
                (local.set $mi (v128.bitselect (local.get $i) (local.get $mi) (local.get $u)))
                (local.set $v (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a) (local.get $b)))
                (local.set $u (v128.or (f32x4.gt (local.get $v) (local.get $m)) (f32x4.ne (local.get $v) (local.get $v))))
                (local.set $m (v128.bitselect (local.get $v) (local.get $m) (local.get $u)))
                (local.set $mi (v128.bitselect (i32x4.add (local.get $i) (v128.const i32x4 1 1 1 1)) (local.get $mi) (local.get $u)))
                (v128.store (i32.add (local.get $out) (i32.shl (i32.add (local.get $o) (local.get $ox)) (i32.const 2))) (local.get $m))
                (v128.store (i32.add (local.get $idx) (i32.shl (i32.add (local.get $o) (local.get $ox)) (i32.const 2))) (local.get $mi))
                (local.set $ox (i32.add (local.get $ox) (i32.const 4)))
                (br $vec)))
            (block $tail_done
              (loop $tail
                (br_if $tail_done (i32.ge_u (local.get $ox) (local.get $ow)))
                (local.set $q (i32.shl (local.get $ox) (i32.const 3)))
                (local.set $base (i32.add (local.get $rowb) (i32.shl (local.get $ox) (i32.const 1))))
                (local.set $sm (f32.load (i32.add (local.get $r0) (local.get $q))))
                (local.set $si (local.get $base))
                (local.set $sv (f32.load offset=4 (i32.add (local.get $r0) (local.get $q))))
                (if (i32.or (f32.gt (local.get $sv) (local.get $sm)) (f32.ne (local.get $sv) (local.get $sv)))
                  (then (local.set $sm (local.get $sv)) (local.set $si (i32.add (local.get $base) (i32.const 1)))))
                (local.set $base (i32.add (local.get $base) (local.get $w)))
                (local.set $sv (f32.load (i32.add (local.get $r1) (local.get $q))))
                (if (i32.or (f32.gt (local.get $sv) (local.get $sm)) (f32.ne (local.get $sv) (local.get $sv)))
                  (then (local.set $sm (local.get $sv)) (local.set $si (local.get $base))))
                (local.set $sv (f32.load offset=4 (i32.add (local.get $r1) (local.get $q))))
                (if (i32.or (f32.gt (local.get $sv) (local.get $sm)) (f32.ne (local.get $sv) (local.get $sv)))
                  (then (local.set $sm (local.get $sv)) (local.set $si (i32.add (local.get $base) (i32.const 1)))))
                (f32.store (i32.add (local.get $out) (i32.shl (i32.add (local.get $o) (local.get $ox)) (i32.const 2))) (local.get $sm))
                (i32.store (i32.add (local.get $idx) (i32.shl (i32.add (local.get $o) (local.get $ox)) (i32.const 2))) (local.get $si))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (br $tail)))
            (local.set $o (i32.add (local.get $o) (local.get $ow)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $row)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pl))))
)
