;; The data movement around a convolution's matrix products, over float32 or float64 storage at
;; byte offsets into the tensor memory (imported: the one every kernel module shares). A 2-D
;; convolution of a chunk of S samples is, per group, one product W[O/g, (C/g)·kh·kw] · col, where
;; col is the im2col matrix [(C/g)·kh·kw, S·oh·ow]: row (c, ky, kx), column (s, oy, ox) holds
;; x[s, c, oy·sh − ph + ky·dh, ox·sw − pw + kx·dw], or 0 in the padding. (A 1-D convolution is the
;; 2-D one with h = kh = 1.) The input gradient is col2im of Wᵀ·g: each column entry added back
;; where it was read from. `permute` moves between the products' [A, B, P] layout and the
;; tensors' [B, A, P] one, adding a bias per A on the way.
;;
;; A template, expanded by scripts/build-wasm.mjs (its header has the rules): every function is
;; written once for T = f32 and once for T = f64.
;; @f32 V = f32x4
;; @f64 V = f64x2
;; @f32 size = 4
;; @f64 size = 8
;; @f32 shift = 2
;; @f64 shift = 3
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; ⌈a/b⌉ for b > 0 and any a (i32.div_s truncates toward zero, which is the ceiling for a ≤ 0).
  (func $ceil_div (param $a i32) (param $b i32) (result i32)
    (if (result i32) (i32.gt_s (local.get $a) (i32.const 0))
      (then (i32.div_s (i32.sub (i32.add (local.get $a) (local.get $b)) (i32.const 1)) (local.get $b)))
      (else (i32.div_s (local.get $a) (local.get $b)))))

  ;; The output columns ox whose input column ox·sw − pw + kx·dw lies in [0, w): [lo, hi), packed
  ;; as lo | hi << 16 (both ≤ ow < 2¹⁵ is checked by the caller).
  (func $range (param $w i32) (param $ow i32) (param $sw i32) (param $off i32) (result i32)
    (local $lo i32) (local $hi i32)
    ;; ox·sw + off ≥ 0  ⇔  ox ≥ ⌈−off/sw⌉;   ox·sw + off < w  ⇔  ox < ⌈(w − off)/sw⌉
    (local.set $lo (call $ceil_div (i32.sub (i32.const 0) (local.get $off)) (local.get $sw)))
    (local.set $hi (call $ceil_div (i32.sub (local.get $w) (local.get $off)) (local.get $sw)))
    (if (i32.lt_s (local.get $lo) (i32.const 0)) (then (local.set $lo (i32.const 0))))
    ;; A tap that misses the input for every column (a kernel much wider than the input) gives
    ;; lo > ow; clamped, so that zeroing a row's first lo columns stays inside the row.
    (if (i32.gt_s (local.get $lo) (local.get $ow)) (then (local.set $lo (local.get $ow))))
    (if (i32.gt_s (local.get $hi) (local.get $ow)) (then (local.set $hi (local.get $ow))))
    (if (i32.lt_s (local.get $hi) (local.get $lo)) (then (local.set $hi (local.get $lo))))
    (i32.or (local.get $lo) (i32.shl (local.get $hi) (i32.const 16))))


  ;; Zeros `bytes` bytes (a multiple of 4) at $d: vectors, then words.
  (func $zero (param $d i32) (param $bytes i32)
    (local $end i32) (local $vend i32)
    (local.set $end (i32.add (local.get $d) (local.get $bytes)))
    (local.set $vend (i32.add (local.get $d) (i32.and (local.get $bytes) (i32.const -16))))
    (block $v_done (loop $v_loop
      (br_if $v_done (i32.ge_u (local.get $d) (local.get $vend)))
      (v128.store (local.get $d) (v128.const i32x4 0 0 0 0))
      (local.set $d (i32.add (local.get $d) (i32.const 16)))
      (br $v_loop)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $d) (local.get $end)))
      (i32.store (local.get $d) (i32.const 0))
      (local.set $d (i32.add (local.get $d) (i32.const 4)))
      (br $next))))

  ;; Copies `bytes` bytes (a multiple of 4) from $s to $d (not overlapping): vectors, then words.
  (func $copy (param $d i32) (param $s i32) (param $bytes i32)
    (local $end i32) (local $vend i32)
    (local.set $end (i32.add (local.get $d) (local.get $bytes)))
    (local.set $vend (i32.add (local.get $d) (i32.and (local.get $bytes) (i32.const -16))))
    (block $v_done (loop $v_loop
      (br_if $v_done (i32.ge_u (local.get $d) (local.get $vend)))
      (v128.store (local.get $d) (v128.load (local.get $s)))
      (local.set $d (i32.add (local.get $d) (i32.const 16)))
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (br $v_loop)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $d) (local.get $end)))
      (i32.store (local.get $d) (i32.load (local.get $s)))
      (local.set $d (i32.add (local.get $d) (i32.const 4)))
      (local.set $s (i32.add (local.get $s) (i32.const 4)))
      (br $next))))

  ;; @for T in f32 f64
  ;; col ← im2col of S samples of `cg` channels: sample s's first channel at $x + s·$xStep bytes,
  ;; each channel h×w; col as above, row (c, ky, kx) of S·oh·ow elements.
  (func (export "im2col_{{T}}")
    (param $x i32) (param $col i32) (param $cg i32) (param $h i32) (param $w i32)
    (param $kh i32) (param $kw i32) (param $oh i32) (param $ow i32) (param $sh i32) (param $sw i32)
    (param $ph i32) (param $pw i32) (param $dh i32) (param $dw i32) (param $S i32) (param $xStep i32)
    (local $c i32) (local $ky i32) (local $kx i32) (local $s i32) (local $oy i32) (local $iy i32)
    (local $lo i32) (local $hi i32) (local $r i32) (local $dst i32) (local $src i32) (local $j i32)
    (local $rowBytes i32) (local $plane i32) (local $step i32) (local $off i32)
    (local $delta i32) (local $t0 i32) (local $t1 i32) (local $p i32) (local $xs i32)
    (local $unit i32)
    (local.set $rowBytes (i32.shl (local.get $ow) (i32.const {{shift}})))
    (local.set $plane (i32.shl (i32.mul (local.get $h) (local.get $w)) (i32.const {{shift}})))
    (local.set $step (i32.shl (local.get $sw) (i32.const {{shift}})))
    (local.set $dst (local.get $col))
    (local.set $p (i32.mul (local.get $oh) (local.get $ow)))
    ;; Unit strides and rows as wide as the input's: a row of col is the channel shifted by
    ;; one offset, so it is one copy, with the wrapped-around edge columns then zeroed.
    (local.set $unit (i32.and (i32.and (i32.eq (local.get $sh) (i32.const 1)) (i32.eq (local.get $sw) (i32.const 1)))
      (i32.eq (local.get $ow) (local.get $w))))
    (block $c_done (loop $c_loop
      (br_if $c_done (i32.ge_u (local.get $c) (local.get $cg)))
      (local.set $ky (i32.const 0))
      (block $ky_done (loop $ky_loop
        (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $kh)))
        (local.set $kx (i32.const 0))
        (block $kx_done (loop $kx_loop
          (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $kw)))
          (local.set $off (i32.sub (i32.mul (local.get $kx) (local.get $dw)) (local.get $pw)))
          (local.set $r (call $range (local.get $w) (local.get $ow) (local.get $sw) (local.get $off)))
          (local.set $lo (i32.and (local.get $r) (i32.const 0xffff)))
          (local.set $hi (i32.shr_u (local.get $r) (i32.const 16)))
          (if (local.get $unit)
            (then
              ;; col[t] = x[t + δ] for t where that lies in the channel, 0 elsewhere
              (local.set $delta
                (i32.add (i32.mul (i32.sub (i32.mul (local.get $ky) (local.get $dh)) (local.get $ph)) (local.get $w))
                  (local.get $off)))
              (local.set $t0 (i32.sub (i32.const 0) (local.get $delta)))
              (if (i32.lt_s (local.get $t0) (i32.const 0)) (then (local.set $t0 (i32.const 0))))
              (if (i32.gt_s (local.get $t0) (local.get $p)) (then (local.set $t0 (local.get $p))))
              (local.set $t1 (i32.sub (i32.mul (local.get $h) (local.get $w)) (local.get $delta)))
              (if (i32.gt_s (local.get $t1) (local.get $p)) (then (local.set $t1 (local.get $p))))
              (if (i32.lt_s (local.get $t1) (local.get $t0)) (then (local.set $t1 (local.get $t0))))
              (local.set $s (i32.const 0))
              (block $u_done (loop $u_loop
                (br_if $u_done (i32.ge_u (local.get $s) (local.get $S)))
                (local.set $xs
                  (i32.add (local.get $x)
                    (i32.add (i32.mul (local.get $s) (local.get $xStep)) (i32.mul (local.get $c) (local.get $plane)))))
                (call $zero (local.get $dst) (i32.shl (local.get $t0) (i32.const {{shift}})))
                (call $copy
                  (i32.add (local.get $dst) (i32.shl (local.get $t0) (i32.const {{shift}})))
                  (i32.add (local.get $xs) (i32.shl (i32.add (local.get $t0) (local.get $delta)) (i32.const {{shift}})))
                  (i32.shl (i32.sub (local.get $t1) (local.get $t0)) (i32.const {{shift}})))
                (call $zero
                  (i32.add (local.get $dst) (i32.shl (local.get $t1) (i32.const {{shift}})))
                  (i32.shl (i32.sub (local.get $p) (local.get $t1)) (i32.const {{shift}})))
                (if (i32.or (i32.gt_u (local.get $lo) (i32.const 0)) (i32.lt_u (local.get $hi) (local.get $ow)))
                  (then
                    (local.set $oy (i32.const 0))
                    (block $e_done (loop $e_loop
                      (br_if $e_done (i32.ge_u (local.get $oy) (local.get $oh)))
                      (call $zero
                        (i32.add (local.get $dst) (i32.mul (local.get $oy) (local.get $rowBytes)))
                        (i32.shl (local.get $lo) (i32.const {{shift}})))
                      (call $zero
                        (i32.add (local.get $dst)
                          (i32.add (i32.mul (local.get $oy) (local.get $rowBytes)) (i32.shl (local.get $hi) (i32.const {{shift}}))))
                        (i32.shl (i32.sub (local.get $ow) (local.get $hi)) (i32.const {{shift}})))
                      (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
                      (br $e_loop)))))
                (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $p) (i32.const {{shift}}))))
                (local.set $s (i32.add (local.get $s) (i32.const 1)))
                (br $u_loop))))
            (else
          (local.set $s (i32.const 0))
          (block $s_done (loop $s_loop
            (br_if $s_done (i32.ge_u (local.get $s) (local.get $S)))
            (local.set $oy (i32.const 0))
            (block $oy_done (loop $oy_loop
              (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $oh)))
              (local.set $iy
                (i32.add (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $ph))
                  (i32.mul (local.get $ky) (local.get $dh))))
              ;; Rows are short (ow elements): plain loops, cheaper than a memory.fill or
              ;; memory.copy call each.
              (if (i32.or (i32.lt_s (local.get $iy) (i32.const 0)) (i32.ge_s (local.get $iy) (local.get $h)))
                (then (call $zero (local.get $dst) (local.get $rowBytes)))
                (else
                  (call $zero (local.get $dst) (i32.shl (local.get $lo) (i32.const {{shift}})))
                  (call $zero
                    (i32.add (local.get $dst) (i32.shl (local.get $hi) (i32.const {{shift}})))
                    (i32.shl (i32.sub (local.get $ow) (local.get $hi)) (i32.const {{shift}})))
                  ;; x[s, c, iy, lo·sw + off]
                  (local.set $src
                    (i32.add
                      (i32.add (local.get $x)
                        (i32.add (i32.mul (local.get $s) (local.get $xStep)) (i32.mul (local.get $c) (local.get $plane))))
                      (i32.shl
                        (i32.add (i32.mul (local.get $iy) (local.get $w))
                          (i32.add (i32.mul (local.get $lo) (local.get $sw)) (local.get $off)))
                        (i32.const {{shift}}))))
                  (if (i32.eq (local.get $sw) (i32.const 1))
                    (then
                      (call $copy
                        (i32.add (local.get $dst) (i32.shl (local.get $lo) (i32.const {{shift}})))
                        (local.get $src)
                        (i32.shl (i32.sub (local.get $hi) (local.get $lo)) (i32.const {{shift}}))))
                    (else
                      (local.set $j (local.get $lo))
                      (block $j_done (loop $j_loop
                        (br_if $j_done (i32.ge_u (local.get $j) (local.get $hi)))
                        ({{T}}.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const {{shift}})))
                          ({{T}}.load (local.get $src)))
                        (local.set $src (i32.add (local.get $src) (local.get $step)))
                        (local.set $j (i32.add (local.get $j) (i32.const 1)))
                        (br $j_loop)))))))
              (local.set $dst (i32.add (local.get $dst) (local.get $rowBytes)))
              (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
              (br $oy_loop)))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $s_loop)))))
          (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
          (br $kx_loop)))
        (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
        (br $ky_loop)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $c_loop))))

  ;; The adjoint of im2col_{{T}} (same arguments): each element of col is added to the element of
  ;; x it was read from; padding entries are dropped. x must hold its starting values (zeros for
  ;; a gradient). Rows are visited in order (c, ky, kx), columns in order, so the sums into one
  ;; element of x always come in the same order.
  (func (export "col2im_{{T}}")
    (param $x i32) (param $col i32) (param $cg i32) (param $h i32) (param $w i32)
    (param $kh i32) (param $kw i32) (param $oh i32) (param $ow i32) (param $sh i32) (param $sw i32)
    (param $ph i32) (param $pw i32) (param $dh i32) (param $dw i32) (param $S i32) (param $xStep i32)
    (local $c i32) (local $ky i32) (local $kx i32) (local $s i32) (local $oy i32) (local $iy i32)
    (local $lo i32) (local $hi i32) (local $r i32) (local $src i32) (local $dst i32) (local $j i32)
    (local $rowBytes i32) (local $plane i32) (local $step i32) (local $off i32) (local $vend i32)
    (local $delta i32) (local $t0 i32) (local $t1 i32) (local $p i32) (local $unit i32) (local $end i32)
    (local.set $rowBytes (i32.shl (local.get $ow) (i32.const {{shift}})))
    (local.set $plane (i32.shl (i32.mul (local.get $h) (local.get $w)) (i32.const {{shift}})))
    (local.set $step (i32.shl (local.get $sw) (i32.const {{shift}})))
    (local.set $src (local.get $col))
    (local.set $p (i32.mul (local.get $oh) (local.get $ow)))
    ;; As in im2col: with unit strides and rows as wide as the input's, a row of col is added to
    ;; the channel shifted by one offset in one run, after its wrapped-around edge columns are
    ;; zeroed (col is scratch, read once).
    (local.set $unit (i32.and (i32.and (i32.eq (local.get $sh) (i32.const 1)) (i32.eq (local.get $sw) (i32.const 1)))
      (i32.eq (local.get $ow) (local.get $w))))
    (block $c_done (loop $c_loop
      (br_if $c_done (i32.ge_u (local.get $c) (local.get $cg)))
      (local.set $ky (i32.const 0))
      (block $ky_done (loop $ky_loop
        (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $kh)))
        (local.set $kx (i32.const 0))
        (block $kx_done (loop $kx_loop
          (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $kw)))
          (local.set $off (i32.sub (i32.mul (local.get $kx) (local.get $dw)) (local.get $pw)))
          (local.set $r (call $range (local.get $w) (local.get $ow) (local.get $sw) (local.get $off)))
          (local.set $lo (i32.and (local.get $r) (i32.const 0xffff)))
          (local.set $hi (i32.shr_u (local.get $r) (i32.const 16)))
          (if (local.get $unit)
            (then
              (local.set $delta
                (i32.add (i32.mul (i32.sub (i32.mul (local.get $ky) (local.get $dh)) (local.get $ph)) (local.get $w))
                  (local.get $off)))
              (local.set $t0 (i32.sub (i32.const 0) (local.get $delta)))
              (if (i32.lt_s (local.get $t0) (i32.const 0)) (then (local.set $t0 (i32.const 0))))
              (if (i32.gt_s (local.get $t0) (local.get $p)) (then (local.set $t0 (local.get $p))))
              (local.set $t1 (i32.sub (i32.mul (local.get $h) (local.get $w)) (local.get $delta)))
              (if (i32.gt_s (local.get $t1) (local.get $p)) (then (local.set $t1 (local.get $p))))
              (if (i32.lt_s (local.get $t1) (local.get $t0)) (then (local.set $t1 (local.get $t0))))
              (local.set $s (i32.const 0))
              (block $u_done (loop $u_loop
                (br_if $u_done (i32.ge_u (local.get $s) (local.get $S)))
                (if (i32.or (i32.gt_u (local.get $lo) (i32.const 0)) (i32.lt_u (local.get $hi) (local.get $ow)))
                  (then
                    (local.set $oy (i32.const 0))
                    (block $e_done (loop $e_loop
                      (br_if $e_done (i32.ge_u (local.get $oy) (local.get $oh)))
                      (call $zero
                        (i32.add (local.get $src) (i32.mul (local.get $oy) (local.get $rowBytes)))
                        (i32.shl (local.get $lo) (i32.const {{shift}})))
                      (call $zero
                        (i32.add (local.get $src)
                          (i32.add (i32.mul (local.get $oy) (local.get $rowBytes)) (i32.shl (local.get $hi) (i32.const {{shift}}))))
                        (i32.shl (i32.sub (local.get $ow) (local.get $hi)) (i32.const {{shift}})))
                      (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
                      (br $e_loop)))))
                ;; x[s, c][t + δ] += col[t] for t in [t0, t1)
                (local.set $dst
                  (i32.add
                    (i32.add (local.get $x)
                      (i32.add (i32.mul (local.get $s) (local.get $xStep)) (i32.mul (local.get $c) (local.get $plane))))
                    (i32.shl (i32.add (local.get $t0) (local.get $delta)) (i32.const {{shift}}))))
                (local.set $j (i32.add (local.get $src) (i32.shl (local.get $t0) (i32.const {{shift}}))))
                (local.set $end (i32.add (local.get $src) (i32.shl (local.get $t1) (i32.const {{shift}}))))
                (local.set $vend
                  (i32.add (local.get $j) (i32.and (i32.sub (local.get $end) (local.get $j)) (i32.const -16))))
                (block $v_done (loop $v_loop
                  (br_if $v_done (i32.ge_u (local.get $j) (local.get $vend)))
                  (v128.store (local.get $dst)
                    ({{V}}.add (v128.load (local.get $dst)) (v128.load (local.get $j))))
                  (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
                  (local.set $j (i32.add (local.get $j) (i32.const 16)))
                  (br $v_loop)))
                (block $t_done (loop $t_loop
                  (br_if $t_done (i32.ge_u (local.get $j) (local.get $end)))
                  ({{T}}.store (local.get $dst) ({{T}}.add ({{T}}.load (local.get $dst)) ({{T}}.load (local.get $j))))
                  (local.set $dst (i32.add (local.get $dst) (i32.const {{size}})))
                  (local.set $j (i32.add (local.get $j) (i32.const {{size}})))
                  (br $t_loop)))
                (local.set $src (i32.add (local.get $src) (i32.shl (local.get $p) (i32.const {{shift}}))))
                (local.set $s (i32.add (local.get $s) (i32.const 1)))
                (br $u_loop))))
            (else
          (local.set $s (i32.const 0))
          (block $s_done (loop $s_loop
            (br_if $s_done (i32.ge_u (local.get $s) (local.get $S)))
            (local.set $oy (i32.const 0))
            (block $oy_done (loop $oy_loop
              (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $oh)))
              (local.set $iy
                (i32.add (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $ph))
                  (i32.mul (local.get $ky) (local.get $dh))))
              (if (i32.and (i32.ge_s (local.get $iy) (i32.const 0)) (i32.lt_s (local.get $iy) (local.get $h)))
                (then
                  (local.set $dst
                    (i32.add
                      (i32.add (local.get $x)
                        (i32.add (i32.mul (local.get $s) (local.get $xStep)) (i32.mul (local.get $c) (local.get $plane))))
                      (i32.shl
                        (i32.add (i32.mul (local.get $iy) (local.get $w))
                          (i32.add (i32.mul (local.get $lo) (local.get $sw)) (local.get $off)))
                        (i32.const {{shift}}))))
                  (local.set $j (i32.shl (local.get $lo) (i32.const {{shift}})))
                  (if (i32.eq (local.get $sw) (i32.const 1))
                    (then
                      ;; a contiguous run: whole vectors, then the rest one by one
                      (local.set $vend
                        (i32.add (local.get $j)
                          (i32.and (i32.shl (i32.sub (local.get $hi) (local.get $lo)) (i32.const {{shift}})) (i32.const -16))))
                      (block $v_done (loop $v_loop
                        (br_if $v_done (i32.ge_u (local.get $j) (local.get $vend)))
                        (v128.store (local.get $dst)
                          ({{V}}.add (v128.load (local.get $dst)) (v128.load (i32.add (local.get $src) (local.get $j)))))
                        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
                        (local.set $j (i32.add (local.get $j) (i32.const 16)))
                        (br $v_loop)))))
                  (local.set $vend (i32.shl (local.get $hi) (i32.const {{shift}})))
                  (block $j_done (loop $j_loop
                    (br_if $j_done (i32.ge_u (local.get $j) (local.get $vend)))
                    ({{T}}.store (local.get $dst)
                      ({{T}}.add ({{T}}.load (local.get $dst)) ({{T}}.load (i32.add (local.get $src) (local.get $j)))))
                    (local.set $dst (i32.add (local.get $dst) (local.get $step)))
                    (local.set $j (i32.add (local.get $j) (i32.const {{size}})))
                    (br $j_loop)))))
              (local.set $src (i32.add (local.get $src) (local.get $rowBytes)))
              (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
              (br $oy_loop)))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $s_loop)))))
          (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
          (br $kx_loop)))
        (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
        (br $ky_loop)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $c_loop))))

  ;; dst[b, a, j] = src[a, b, j] (+ bias[a] when $hasBias), for a < A, b < B, j < P: the two
  ;; leading axes swapped. dst may be src when A or B is 1.
  (func (export "permute_{{T}}")
    (param $src i32) (param $dst i32) (param $A i32) (param $B i32) (param $P i32)
    (param $bias i32) (param $hasBias i32)
    (local $a i32) (local $b i32) (local $j i32) (local $s i32) (local $d i32) (local $row i32)
    (local $vend i32) (local $v {{T}}) (local $vv v128)
    (local.set $row (i32.shl (local.get $P) (i32.const {{shift}})))
    (local.set $vend (i32.and (local.get $row) (i32.const -16)))
    (local.set $s (local.get $src))
    (block $a_done (loop $a_loop
      (br_if $a_done (i32.ge_u (local.get $a) (local.get $A)))
      (local.set $v ({{T}}.const 0))
      (if (local.get $hasBias)
        (then (local.set $v ({{T}}.load (i32.add (local.get $bias) (i32.shl (local.get $a) (i32.const {{shift}})))))))
      (local.set $vv ({{V}}.splat (local.get $v)))
      (local.set $b (i32.const 0))
      (block $b_done (loop $b_loop
        (br_if $b_done (i32.ge_u (local.get $b) (local.get $B)))
        (local.set $d
          (i32.add (local.get $dst)
            (i32.mul (i32.add (i32.mul (local.get $b) (local.get $A)) (local.get $a)) (local.get $row))))
        (if (local.get $hasBias)
          (then
            (local.set $j (i32.const 0))
            (block $v_done (loop $v_loop
              (br_if $v_done (i32.ge_u (local.get $j) (local.get $vend)))
              (v128.store (i32.add (local.get $d) (local.get $j))
                ({{V}}.add (v128.load (i32.add (local.get $s) (local.get $j))) (local.get $vv)))
              (local.set $j (i32.add (local.get $j) (i32.const 16)))
              (br $v_loop)))
            (block $j_done (loop $j_loop
              (br_if $j_done (i32.ge_u (local.get $j) (local.get $row)))
              ({{T}}.store (i32.add (local.get $d) (local.get $j))
                ({{T}}.add ({{T}}.load (i32.add (local.get $s) (local.get $j))) (local.get $v)))
              (local.set $j (i32.add (local.get $j) (i32.const {{size}})))
              (br $j_loop))))
          (else
            (if (i32.ne (local.get $d) (local.get $s))
              (then (memory.copy (local.get $d) (local.get $s) (local.get $row))))))
        (local.set $s (i32.add (local.get $s) (local.get $row)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $b_loop)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $a_loop))))

  ;; dst[j, i] = src[i, j] (+ dst[j, i] when $add) for src [rows, cols]: the weight gradient is
  ;; computed transposed (dWᵀ = col · g′ᵀ, whose packed operand is the smaller g′) and summed
  ;; over chunks on the way back.
  (func (export "transpose_{{T}}") (param $dst i32) (param $src i32) (param $rows i32) (param $cols i32)
    (param $add i32)
    (local $i i32) (local $j i32) (local $d i32) (local $v {{T}})
    (block $i_done (loop $i_loop
      (br_if $i_done (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $j (i32.const 0))
      (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const {{shift}}))))
      (block $j_done (loop $j_loop
        (br_if $j_done (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $v ({{T}}.load (local.get $src)))
        (if (local.get $add) (then (local.set $v ({{T}}.add ({{T}}.load (local.get $d)) (local.get $v)))))
        ({{T}}.store (local.get $d) (local.get $v))
        (local.set $src (i32.add (local.get $src) (i32.const {{size}})))
        (local.set $d (i32.add (local.get $d) (i32.shl (local.get $rows) (i32.const {{shift}}))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $j_loop)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $i_loop))))
  ;; @end
)
