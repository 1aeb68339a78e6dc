;; f32 matrix product C[n×m] = A[n×k] · B[k×m], row-major, byte offsets into the tensor memory.
;;
;; Goto-style blocking: the columns of B are first packed into panels of 8 (k rows of 8 floats,
;; contiguous; the last panel padded with zeros), so that the inner loop reads B sequentially
;; instead of one 32-byte piece per 4·m-byte row. The k dimension is cut in blocks of $KC, the
;; columns in blocks of $NC, so that a block of packed B (KC·NC floats) stays in L2 and the 4×KC
;; strip of A in L1 while it is swept. A 4×8 register block (8 f32x4 accumulators) computes each
;; tile; between k blocks the partial sums go through C, which is exact in f32, so every element
;; is the same sequential f32 sum Σ_p a[i,p]·b[p,j] (p = 0, 1, ..., k−1) whatever the blocking,
;; the thread or whether the element lies in a full or an edge tile.
;;
;; `matmul_f32` computes the columns [j0, j1) of C (j0 a multiple of 8), so that threads can share
;; one product by column panels and get bit-identical results. The memory is imported, shared
;; between the instances of the main thread and the workers (scripts/build-wasm.mjs also emits a
;; copy with an unshared memory, for hosts without SharedArrayBuffer, and one whose tile
;; multiplies-and-adds with f32x4.relaxed_madd, an FMA where the CPU has one).
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; C tile (rows at stride $rowM bytes) = (load ? C tile : 0) + Σ_{p<kc} a_r[p] · panel[p, 0..8),
  ;; for the 4 rows of A starting at $a0..$a3 (stepping $as bytes per p) and the packed panel at $bp.
  (func $tile
    (param $a0 i32) (param $a1 i32) (param $a2 i32) (param $a3 i32) (param $as i32)
    (param $bp i32) (param $kc i32) (param $cp i32) (param $rowM i32) (param $load i32)
    (local $end i32) (local $c i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $av v128)
    (if (local.get $load)
      (then
        (local.set $c (local.get $cp))
        (local.set $c00 (v128.load (local.get $c)))
        (local.set $c01 (v128.load offset=16 (local.get $c)))
        (local.set $c (i32.add (local.get $c) (local.get $rowM)))
        (local.set $c10 (v128.load (local.get $c)))
        (local.set $c11 (v128.load offset=16 (local.get $c)))
        (local.set $c (i32.add (local.get $c) (local.get $rowM)))
        (local.set $c20 (v128.load (local.get $c)))
        (local.set $c21 (v128.load offset=16 (local.get $c)))
        (local.set $c (i32.add (local.get $c) (local.get $rowM)))
        (local.set $c30 (v128.load (local.get $c)))
        (local.set $c31 (v128.load offset=16 (local.get $c)))))
    (local.set $end (i32.add (local.get $bp) (i32.shl (local.get $kc) (i32.const 5))))
    (loop $p
      (local.set $b0 (v128.load (local.get $bp)))
      (local.set $b1 (v128.load offset=16 (local.get $bp)))
      (local.set $av (v128.load32_splat (local.get $a0)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $av (v128.load32_splat (local.get $a1)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $av (v128.load32_splat (local.get $a2)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $av (v128.load32_splat (local.get $a3)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $a0 (i32.add (local.get $a0) (local.get $as)))
      (local.set $a1 (i32.add (local.get $a1) (local.get $as)))
      (local.set $a2 (i32.add (local.get $a2) (local.get $as)))
      (local.set $a3 (i32.add (local.get $a3) (local.get $as)))
      (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
      (br_if $p (i32.lt_u (local.get $bp) (local.get $end))))
    (local.set $c (local.get $cp))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (local.set $c (i32.add (local.get $c) (local.get $rowM)))
    (v128.store (local.get $c) (local.get $c10))
    (v128.store offset=16 (local.get $c) (local.get $c11))
    (local.set $c (i32.add (local.get $c) (local.get $rowM)))
    (v128.store (local.get $c) (local.get $c20))
    (v128.store offset=16 (local.get $c) (local.get $c21))
    (local.set $c (i32.add (local.get $c) (local.get $rowM)))
    (v128.store (local.get $c) (local.get $c30))
    (v128.store offset=16 (local.get $c) (local.get $c31)))

  ;; Packs the columns [j0, j1) of B[k×m] into panels of 8 at $bp: panel q holds, for each p,
  ;; the 8 floats B[p, j0+8q .. j0+8q+8), zeros past column m. With $tb, B is stored transposed
  ;; ([m×k], B[p, j] at $b + 4(j·k + p)): each of a panel's columns is then a row read in order.
  (func $pack_b
    (param $b i32) (param $bp i32) (param $k i32) (param $m i32) (param $j0 i32) (param $j1 i32)
    (param $tb i32)
    (local $j i32) (local $p i32) (local $src i32) (local $dst i32) (local $w i32) (local $t i32)
    (local $rowM i32) (local $rowK i32)
    (local.set $rowM (i32.shl (local.get $m) (i32.const 2)))
    (local.set $rowK (i32.shl (local.get $k) (i32.const 2)))
    (local.set $j (local.get $j0))
    (block $done
      (loop $panels
        (br_if $done (i32.ge_u (local.get $j) (local.get $j1)))
        (local.set $w (i32.sub (local.get $j1) (local.get $j)))
        (if (local.get $tb)
          (then
            (if (i32.lt_u (local.get $w) (i32.const 8))
              (then (memory.fill (local.get $bp) (i32.const 0) (i32.shl (local.get $k) (i32.const 5))))
              (else (local.set $w (i32.const 8))))
            ;; column t of the panel is row j + t of the stored B, read in order
            (local.set $t (i32.const 0))
            (loop $cols
              (local.set $src
                (i32.add (local.get $b)
                  (i32.mul (i32.add (local.get $j) (local.get $t)) (local.get $rowK))))
              (local.set $dst (i32.add (local.get $bp) (i32.shl (local.get $t) (i32.const 2))))
              (local.set $p (i32.const 0))
              (loop $rows
                (i32.store (local.get $dst) (i32.load (local.get $src)))
                (local.set $src (i32.add (local.get $src) (i32.const 4)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br_if $rows (i32.lt_u (local.get $p) (local.get $k))))
              (local.set $t (i32.add (local.get $t) (i32.const 1)))
              (br_if $cols (i32.lt_u (local.get $t) (local.get $w))))
            (local.set $bp (i32.add (local.get $bp) (i32.shl (local.get $k) (i32.const 5)))))
          (else
            (local.set $src (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
            (if (i32.ge_u (local.get $w) (i32.const 8))
              (then
                (local.set $p (i32.const 0))
                (loop $rows
                  (v128.store (local.get $bp) (v128.load (local.get $src)))
                  (v128.store offset=16 (local.get $bp) (v128.load offset=16 (local.get $src)))
                  (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
                  (local.set $src (i32.add (local.get $src) (local.get $rowM)))
                  (local.set $p (i32.add (local.get $p) (i32.const 1)))
                  (br_if $rows (i32.lt_u (local.get $p) (local.get $k)))))
              (else
                (local.set $p (i32.const 0))
                (loop $rows
                  (v128.store (local.get $bp) (v128.const i32x4 0 0 0 0))
                  (v128.store offset=16 (local.get $bp) (v128.const i32x4 0 0 0 0))
                  (local.set $t (i32.const 0))
                  (loop $cols
                    (f32.store
                      (i32.add (local.get $bp) (i32.shl (local.get $t) (i32.const 2)))
                      (f32.load (i32.add (local.get $src) (i32.shl (local.get $t) (i32.const 2)))))
                    (local.set $t (i32.add (local.get $t) (i32.const 1)))
                    (br_if $cols (i32.lt_u (local.get $t) (local.get $w))))
                  (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
                  (local.set $src (i32.add (local.get $src) (local.get $rowM)))
                  (local.set $p (i32.add (local.get $p) (i32.const 1)))
                  (br_if $rows (i32.lt_u (local.get $p) (local.get $k))))))))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $panels))))

  ;; Copies an r×w block between two row-major layouts (strides in bytes).
  (func $copy_block
    (param $src i32) (param $srcRow i32) (param $dst i32) (param $dstRow i32)
    (param $r i32) (param $w i32)
    (local $i i32) (local $t i32)
    (loop $rows
      (local.set $t (i32.const 0))
      (loop $cols
        (f32.store
          (i32.add (local.get $dst) (i32.shl (local.get $t) (i32.const 2)))
          (f32.load (i32.add (local.get $src) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br_if $cols (i32.lt_u (local.get $t) (local.get $w))))
      (local.set $src (i32.add (local.get $src) (local.get $srcRow)))
      (local.set $dst (i32.add (local.get $dst) (local.get $dstRow)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $r)))))

  ;; C[:, j0:j1] = A · B[:, j0:j1]. $bp: scratch for the packed panels of those columns
  ;; (k·8·⌈(j1−j0)/8⌉ floats); $tmp: a 128-byte scratch tile for the edges. $flags: 1 = A is
  ;; stored transposed ([k×n]), 2 = B is ([m×k]); the sums are the same either way.
  (func $matmul (export "matmul_f32")
    (param $a i32) (param $b i32) (param $c i32) (param $n i32) (param $k i32) (param $m i32)
    (param $j0 i32) (param $j1 i32) (param $bp i32) (param $tmp i32) (param $flags i32)
    (local $ar i32) (local $as i32)
    (local $rowK i32) (local $rowM i32) (local $pc i32) (local $kc i32) (local $jc i32)
    (local $jend i32) (local $i i32) (local $j i32) (local $r i32) (local $w i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $panel i32)
    (local $cp i32) (local $load i32)
    (if (i32.or (i32.ge_u (local.get $j0) (local.get $j1)) (i32.eqz (local.get $n))) (then (return)))
    (if (i32.eqz (local.get $k))
      (then
        ;; an empty sum: zeros
        (local.set $i (i32.const 0))
        (loop $zr
          (memory.fill
            (i32.add (local.get $c)
              (i32.shl (i32.add (i32.mul (local.get $i) (local.get $m)) (local.get $j0)) (i32.const 2)))
            (i32.const 0)
            (i32.shl (i32.sub (local.get $j1) (local.get $j0)) (i32.const 2)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $zr (i32.lt_u (local.get $i) (local.get $n))))
        (return)))
    (local.set $rowK (i32.shl (local.get $k) (i32.const 2)))
    (local.set $rowM (i32.shl (local.get $m) (i32.const 2)))
    ;; row r of A starts at $a + r·$ar and steps $as bytes per p
    (if (i32.and (local.get $flags) (i32.const 1))
      (then
        (local.set $ar (i32.const 4))
        (local.set $as (i32.shl (local.get $n) (i32.const 2))))
      (else
        (local.set $ar (local.get $rowK))
        (local.set $as (i32.const 4))))
    (call $pack_b (local.get $b) (local.get $bp) (local.get $k) (local.get $m) (local.get $j0) (local.get $j1)
      (i32.and (local.get $flags) (i32.const 2)))
    (loop $kblocks
      (local.set $kc (i32.sub (local.get $k) (local.get $pc)))
      (if (i32.gt_u (local.get $kc) (i32.const 256)) (then (local.set $kc (i32.const 256))))
      (local.set $load (i32.ne (local.get $pc) (i32.const 0)))
      (local.set $jc (local.get $j0))
      (loop $cblocks
        (local.set $jend (i32.add (local.get $jc) (i32.const 128)))
        (if (i32.gt_u (local.get $jend) (local.get $j1)) (then (local.set $jend (local.get $j1))))
        (local.set $i (i32.const 0))
        (loop $rblocks
          (local.set $r (i32.sub (local.get $n) (local.get $i)))
          (if (i32.gt_u (local.get $r) (i32.const 4)) (then (local.set $r (i32.const 4))))
          ;; rows past n repeat row i: computed, never stored
          (local.set $a0
            (i32.add (local.get $a)
              (i32.add (i32.mul (local.get $i) (local.get $ar)) (i32.mul (local.get $pc) (local.get $as)))))
          (local.set $a1 (select (i32.add (local.get $a0) (local.get $ar)) (local.get $a0)
            (i32.gt_u (local.get $r) (i32.const 1))))
          (local.set $a2 (select (i32.add (local.get $a1) (local.get $ar)) (local.get $a0)
            (i32.gt_u (local.get $r) (i32.const 2))))
          (local.set $a3 (select (i32.add (local.get $a2) (local.get $ar)) (local.get $a0)
            (i32.gt_u (local.get $r) (i32.const 3))))
          (local.set $j (local.get $jc))
          (loop $panels
            (local.set $panel
              (i32.add (local.get $bp)
                (i32.add
                  (i32.mul (i32.shr_u (i32.sub (local.get $j) (local.get $j0)) (i32.const 3))
                    (i32.shl (local.get $k) (i32.const 5)))
                  (i32.shl (local.get $pc) (i32.const 5)))))
            (local.set $cp
              (i32.add (local.get $c)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $m)) (local.get $j)) (i32.const 2))))
            (local.set $w (i32.sub (local.get $m) (local.get $j)))
            (if (i32.and (i32.eq (local.get $r) (i32.const 4)) (i32.ge_u (local.get $w) (i32.const 8)))
              (then
                (call $tile (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3) (local.get $as)
                  (local.get $panel) (local.get $kc) (local.get $cp) (local.get $rowM) (local.get $load)))
              (else
                (if (i32.gt_u (local.get $w) (i32.const 8)) (then (local.set $w (i32.const 8))))
                (if (local.get $load)
                  (then (call $copy_block (local.get $cp) (local.get $rowM) (local.get $tmp) (i32.const 32)
                    (local.get $r) (local.get $w))))
                (call $tile (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3) (local.get $as)
                  (local.get $panel) (local.get $kc) (local.get $tmp) (i32.const 32) (local.get $load))
                (call $copy_block (local.get $tmp) (i32.const 32) (local.get $cp) (local.get $rowM)
                  (local.get $r) (local.get $w))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br_if $panels (i32.lt_u (local.get $j) (local.get $jend))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $rblocks (i32.lt_u (local.get $i) (local.get $n))))
        (local.set $jc (local.get $jend))
        (br_if $cblocks (i32.lt_u (local.get $jc) (local.get $j1))))
      (local.set $pc (i32.add (local.get $pc) (local.get $kc)))
      (br_if $kblocks (i32.lt_u (local.get $pc) (local.get $k)))))

  ;; Chunk j of a product shared by threads (see src/kernels/wasm/index.ts): the column panels
  ;; [j·per, (j+1)·per), packed into their own part of $bp, with thread $slot's 128-byte $tmp. The
  ;; signature is common to every part; the unused arguments are ignored.
  (func (export "matmul_part") (param $chunk i32) (param $slot i32) (param $a i32) (param $b i32)
    (param $c i32) (param $n i32) (param $k i32) (param $m i32) (param $bp i32) (param $tmp i32)
    (param $flags i32) (param $u9 i32) (param $u10 i32) (param $u11 i32) (param $u12 i32)
    (param $u13 i32) (param $u14 i32) (param $per i32) (param $eps f64)
    (local $j0 i32)
    (local.set $j0 (i32.mul (i32.mul (local.get $chunk) (local.get $per)) (i32.const 8)))
    (call $matmul (local.get $a) (local.get $b) (local.get $c) (local.get $n) (local.get $k)
      (local.get $m) (local.get $j0)
      (select (local.get $m) (i32.add (local.get $j0) (i32.mul (local.get $per) (i32.const 8)))
        (i32.lt_u (local.get $m) (i32.add (local.get $j0) (i32.mul (local.get $per) (i32.const 8)))))
      (i32.add (local.get $bp) (i32.mul (i32.mul (local.get $k) (local.get $j0)) (i32.const 4)))
      (i32.add (local.get $tmp) (i32.mul (local.get $slot) (i32.const 128)))
      (local.get $flags)))
)
