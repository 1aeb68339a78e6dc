;; The grouped-norm kernels of LayerNorm and GroupNorm (see src/kernels/groupnorm.ts): the input as
;; [outer, G, K, L], statistics per row (one (outer, g) pair, K·L contiguous values), affine
;; entries per (g, k). Byte offsets into the tensor memory they import; per-row and per-entry
;; vectors are f64 arrays (weight filled with 1 and bias with 0 when absent).
;;
;; They evaluate the TypeScript kernels' operations in the same order, so the results are
;; bit-identical: every per-element expression in f64 (f32 storage promoted, each result rounded
;; once), and every sum in the reference's pair order, which is exactly one f64x2 accumulator:
;; lane 0 the even positions, lane 1 the odd ones, an odd last value added to lane 0's sum, then
;; lane 0 + lane 1. With L = 1 (LayerNorm) the vectors run over the K entries; with L > 1
;; (GroupNorm) over the L values of one channel. No fused multiply-add.
;;
;; A template expanded by scripts/build-wasm.mjs (the rules are in its header).
;; @f32 size = 4
;; @f64 size = 8
;; @f32 size2 = 8
;; @f64 size2 = 16
;; @f32 shift = 2
;; @f64 shift = 3
;; @f32 load(A) = (f64.promote_f32 (f32.load A))
;; @f64 load(A) = (f64.load A)
;; @f32 store(A, X) = (f32.store A (f32.demote_f64 X))
;; @f64 store(A, X) = (f64.store A X)
;; @f32 load2(A) = (f64x2.promote_low_f32x4 (v128.load64_zero A))
;; @f64 load2(A) = (v128.load A)
;; @f32 store2(A, X) = (v128.store64_lane 0 A (f32x4.demote_f64x2_zero X))
;; @f64 store2(A, X) = (v128.store A X)
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; The second result of the functions that return two sums.
  (global $second (mut f64) (f64.const 0))

  ;; @for T in f32 f64

  ;; Σ of the m elements at p, in pair order.
  (func $sum_{{T}} (param $p i32) (param $m i32) (result f64)
    (local $acc v128) (local $end i32) (local $s f64)
    (local.set $end (i32.add (local.get $p)
      (i32.shl (i32.and (local.get $m) (i32.const -2)) (i32.const {{shift}}))))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $acc (f64x2.add (local.get $acc) {{load2 (local.get $p)}}))
        (local.set $p (i32.add (local.get $p) (i32.const {{size2}})))
        (br $pairs)))
    (local.set $s (f64x2.extract_lane 0 (local.get $acc)))
    (if (i32.and (local.get $m) (i32.const 1))
      (then (local.set $s (f64.add (local.get $s) {{load (local.get $p)}}))))
    (f64.add (local.get $s) (f64x2.extract_lane 1 (local.get $acc))))

  ;; With d = x − mu over the m elements at p: returns Σd, and Σd² in $second.
  (func $dev_{{T}} (param $p i32) (param $m i32) (param $mu f64) (result f64)
    (local $accd v128) (local $accq v128) (local $v v128) (local $muv v128) (local $end i32)
    (local $a f64) (local $d0 f64) (local $q0 f64)
    (local.set $muv (f64x2.splat (local.get $mu)))
    (local.set $end (i32.add (local.get $p)
      (i32.shl (i32.and (local.get $m) (i32.const -2)) (i32.const {{shift}}))))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (f64x2.sub {{load2 (local.get $p)}} (local.get $muv)))
        (local.set $accd (f64x2.add (local.get $accd) (local.get $v)))
        (local.set $accq (f64x2.add (local.get $accq) (f64x2.mul (local.get $v) (local.get $v))))
        (local.set $p (i32.add (local.get $p) (i32.const {{size2}})))
        (br $pairs)))
    (local.set $d0 (f64x2.extract_lane 0 (local.get $accd)))
    (local.set $q0 (f64x2.extract_lane 0 (local.get $accq)))
    (if (i32.and (local.get $m) (i32.const 1))
      (then
        (local.set $a (f64.sub {{load (local.get $p)}} (local.get $mu)))
        (local.set $d0 (f64.add (local.get $d0) (local.get $a)))
        (local.set $q0 (f64.add (local.get $q0) (f64.mul (local.get $a) (local.get $a))))))
    (global.set $second (f64.add (local.get $q0) (f64x2.extract_lane 1 (local.get $accq))))
    (f64.add (local.get $d0) (f64x2.extract_lane 1 (local.get $accd))))

  ;; L = 1: y[j] = (x[j] − mu)·(is·w[j]) + b[j] for the k entries.
  (func $norm1_{{T}} (param $x i32) (param $y i32) (param $k i32) (param $w i32) (param $b i32)
    (param $mu f64) (param $is f64)
    (local $end i32) (local $muv v128) (local $isv v128)
    (local.set $muv (f64x2.splat (local.get $mu)))
    (local.set $isv (f64x2.splat (local.get $is)))
    (local.set $end (i32.add (local.get $x)
      (i32.shl (i32.and (local.get $k) (i32.const -2)) (i32.const {{shift}}))))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        {{store2 (local.get $y)
          (f64x2.add
            (f64x2.mul
              (f64x2.sub {{load2 (local.get $x)}} (local.get $muv))
              (f64x2.mul (local.get $isv) (v128.load (local.get $w))))
            (v128.load (local.get $b)))}}
        (local.set $x (i32.add (local.get $x) (i32.const {{size2}})))
        (local.set $y (i32.add (local.get $y) (i32.const {{size2}})))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $pairs)))
    (if (i32.and (local.get $k) (i32.const 1))
      (then
        {{store (local.get $y)
          (f64.add
            (f64.mul
              (f64.sub {{load (local.get $x)}} (local.get $mu))
              (f64.mul (local.get $is) (f64.load (local.get $w))))
            (f64.load (local.get $b)))}})))

  ;; L > 1: y = (x − mu)·scale + shift for the l values of one channel.
  (func $normL_{{T}} (param $x i32) (param $y i32) (param $l i32) (param $mu f64)
    (param $scale f64) (param $shift f64)
    (local $end i32) (local $muv v128) (local $scalev v128) (local $shiftv v128)
    (local.set $muv (f64x2.splat (local.get $mu)))
    (local.set $scalev (f64x2.splat (local.get $scale)))
    (local.set $shiftv (f64x2.splat (local.get $shift)))
    (local.set $end (i32.add (local.get $x)
      (i32.shl (i32.and (local.get $l) (i32.const -2)) (i32.const {{shift}}))))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        {{store2 (local.get $y)
          (f64x2.add
            (f64x2.mul (f64x2.sub {{load2 (local.get $x)}} (local.get $muv)) (local.get $scalev))
            (local.get $shiftv))}}
        (local.set $x (i32.add (local.get $x) (i32.const {{size2}})))
        (local.set $y (i32.add (local.get $y) (i32.const {{size2}})))
        (br $pairs)))
    (if (i32.and (local.get $l) (i32.const 1))
      (then
        {{store (local.get $y)
          (f64.add
            (f64.mul (f64.sub {{load (local.get $x)}} (local.get $mu)) (local.get $scale))
            (local.get $shift))}})))

  ;; Statistics per row and the normalised, scaled and shifted output.
  (func (export "forward_{{T}}") (param $x i32) (param $y i32) (param $rows i32) (param $groups i32)
    (param $k i32) (param $l i32) (param $w i32) (param $b i32) (param $mean i32)
    (param $invstd i32) (param $eps f64)
    (local $r i32) (local $m i32) (local $mf f64) (local $rb i32) (local $lb i32) (local $mu0 f64)
    (local $sd f64) (local $sd2 f64) (local $mu f64) (local $is f64) (local $g8 i32) (local $kk i32)
    (local $ch8 i32) (local $p i32) (local $q i32)
    (local.set $m (i32.mul (local.get $k) (local.get $l)))
    (local.set $mf (f64.convert_i32_u (local.get $m)))
    (local.set $rb (i32.shl (local.get $m) (i32.const {{shift}})))
    (local.set $lb (i32.shl (local.get $l) (i32.const {{shift}})))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $mu0 (f64.div (call $sum_{{T}} (local.get $x) (local.get $m)) (local.get $mf)))
        (local.set $sd (call $dev_{{T}} (local.get $x) (local.get $m) (local.get $mu0)))
        (local.set $sd2 (global.get $second))
        (local.set $mu (f64.add (local.get $mu0) (f64.div (local.get $sd) (local.get $mf))))
        (local.set $is
          (f64.div (f64.const 1)
            (f64.sqrt
              (f64.add
                (f64.div
                  (f64.max (f64.const 0)
                    (f64.sub (local.get $sd2)
                      (f64.div (f64.mul (local.get $sd) (local.get $sd)) (local.get $mf))))
                  (local.get $mf))
                (local.get $eps)))))
        (f64.store (i32.add (local.get $mean) (i32.shl (local.get $r) (i32.const 3))) (local.get $mu))
        (f64.store (i32.add (local.get $invstd) (i32.shl (local.get $r) (i32.const 3))) (local.get $is))
        (local.set $g8
          (i32.shl (i32.mul (i32.rem_u (local.get $r) (local.get $groups)) (local.get $k)) (i32.const 3)))
        (if (i32.eq (local.get $l) (i32.const 1))
          (then
            (call $norm1_{{T}} (local.get $x) (local.get $y) (local.get $k)
              (i32.add (local.get $w) (local.get $g8)) (i32.add (local.get $b) (local.get $g8))
              (local.get $mu) (local.get $is)))
          (else
            (local.set $kk (i32.const 0))
            (local.set $p (local.get $x))
            (local.set $q (local.get $y))
            (block $kdone
              (loop $ks
                (br_if $kdone (i32.ge_u (local.get $kk) (local.get $k)))
                (local.set $ch8 (i32.add (local.get $g8) (i32.shl (local.get $kk) (i32.const 3))))
                (call $normL_{{T}} (local.get $p) (local.get $q) (local.get $l) (local.get $mu)
                  (f64.mul (local.get $is) (f64.load (i32.add (local.get $w) (local.get $ch8))))
                  (f64.load (i32.add (local.get $b) (local.get $ch8))))
                (local.set $p (i32.add (local.get $p) (local.get $lb)))
                (local.set $q (i32.add (local.get $q) (local.get $lb)))
                (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
                (br $ks)))))
        (local.set $x (i32.add (local.get $x) (local.get $rb)))
        (local.set $y (i32.add (local.get $y) (local.get $rb)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; L = 1, the k entries of one row: db[j] += dy; dw[j] += t with t = dy·(x − mu)·is; returns
  ;; Σ w·dy, and Σ w·t in $second.
  (func $bsum1_{{T}} (param $x i32) (param $dy i32) (param $k i32) (param $w i32) (param $dw i32)
    (param $db i32) (param $mu f64) (param $is f64) (result f64)
    (local $end i32) (local $muv v128) (local $isv v128) (local $d v128) (local $t v128)
    (local $wv v128) (local $accg v128) (local $accgx v128) (local $da f64) (local $ta f64)
    (local $g0 f64) (local $gx0 f64)
    (local.set $muv (f64x2.splat (local.get $mu)))
    (local.set $isv (f64x2.splat (local.get $is)))
    (local.set $end (i32.add (local.get $x)
      (i32.shl (i32.and (local.get $k) (i32.const -2)) (i32.const {{shift}}))))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $d {{load2 (local.get $dy)}})
        (local.set $t
          (f64x2.mul
            (f64x2.mul (local.get $d) (f64x2.sub {{load2 (local.get $x)}} (local.get $muv)))
            (local.get $isv)))
        (v128.store (local.get $db) (f64x2.add (v128.load (local.get $db)) (local.get $d)))
        (v128.store (local.get $dw) (f64x2.add (v128.load (local.get $dw)) (local.get $t)))
        (local.set $wv (v128.load (local.get $w)))
        (local.set $accg (f64x2.add (local.get $accg) (f64x2.mul (local.get $wv) (local.get $d))))
        (local.set $accgx (f64x2.add (local.get $accgx) (f64x2.mul (local.get $wv) (local.get $t))))
        (local.set $x (i32.add (local.get $x) (i32.const {{size2}})))
        (local.set $dy (i32.add (local.get $dy) (i32.const {{size2}})))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $dw (i32.add (local.get $dw) (i32.const 16)))
        (local.set $db (i32.add (local.get $db) (i32.const 16)))
        (br $pairs)))
    (local.set $g0 (f64x2.extract_lane 0 (local.get $accg)))
    (local.set $gx0 (f64x2.extract_lane 0 (local.get $accgx)))
    (if (i32.and (local.get $k) (i32.const 1))
      (then
        (local.set $da {{load (local.get $dy)}})
        (local.set $ta
          (f64.mul
            (f64.mul (local.get $da) (f64.sub {{load (local.get $x)}} (local.get $mu)))
            (local.get $is)))
        (f64.store (local.get $db) (f64.add (f64.load (local.get $db)) (local.get $da)))
        (f64.store (local.get $dw) (f64.add (f64.load (local.get $dw)) (local.get $ta)))
        (local.set $g0 (f64.add (local.get $g0) (f64.mul (f64.load (local.get $w)) (local.get $da))))
        (local.set $gx0
          (f64.add (local.get $gx0) (f64.mul (f64.load (local.get $w)) (local.get $ta))))))
    (global.set $second (f64.add (local.get $gx0) (f64x2.extract_lane 1 (local.get $accgx))))
    (f64.add (local.get $g0) (f64x2.extract_lane 1 (local.get $accg))))

  ;; L > 1, the l values of one channel: returns Σ dy, and Σ dy·(x − mu)·is in $second.
  (func $bsumL_{{T}} (param $x i32) (param $dy i32) (param $l i32) (param $mu f64) (param $is f64)
    (result f64)
    (local $end i32) (local $muv v128) (local $isv v128) (local $d v128) (local $acca v128)
    (local $accb v128) (local $da f64) (local $a0 f64) (local $b0 f64)
    (local.set $muv (f64x2.splat (local.get $mu)))
    (local.set $isv (f64x2.splat (local.get $is)))
    (local.set $end (i32.add (local.get $x)
      (i32.shl (i32.and (local.get $l) (i32.const -2)) (i32.const {{shift}}))))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $d {{load2 (local.get $dy)}})
        (local.set $acca (f64x2.add (local.get $acca) (local.get $d)))
        (local.set $accb
          (f64x2.add (local.get $accb)
            (f64x2.mul
              (f64x2.mul (local.get $d) (f64x2.sub {{load2 (local.get $x)}} (local.get $muv)))
              (local.get $isv))))
        (local.set $x (i32.add (local.get $x) (i32.const {{size2}})))
        (local.set $dy (i32.add (local.get $dy) (i32.const {{size2}})))
        (br $pairs)))
    (local.set $a0 (f64x2.extract_lane 0 (local.get $acca)))
    (local.set $b0 (f64x2.extract_lane 0 (local.get $accb)))
    (if (i32.and (local.get $l) (i32.const 1))
      (then
        (local.set $da {{load (local.get $dy)}})
        (local.set $a0 (f64.add (local.get $a0) (local.get $da)))
        (local.set $b0
          (f64.add (local.get $b0)
            (f64.mul
              (f64.mul (local.get $da) (f64.sub {{load (local.get $x)}} (local.get $mu)))
              (local.get $is))))))
    (global.set $second (f64.add (local.get $b0) (f64x2.extract_lane 1 (local.get $accb))))
    (f64.add (local.get $a0) (f64x2.extract_lane 1 (local.get $acca))))

  ;; dx = is·(w·dy − mg − x̂·mgx), x̂ = (x − mu)·is, for n values; w advances by wstep bytes per
  ;; pair (16: one weight per value, L = 1; 0: one weight for all, L > 1).
  (func $dx_{{T}} (param $x i32) (param $dy i32) (param $dx i32) (param $n i32) (param $w i32)
    (param $wstep i32) (param $mu f64) (param $is f64) (param $mg f64) (param $mgx f64)
    (local $end i32) (local $muv v128) (local $isv v128) (local $mgv v128) (local $mgxv v128)
    (local $wv v128) (local $xhat v128) (local $sx f64)
    (local.set $muv (f64x2.splat (local.get $mu)))
    (local.set $isv (f64x2.splat (local.get $is)))
    (local.set $mgv (f64x2.splat (local.get $mg)))
    (local.set $mgxv (f64x2.splat (local.get $mgx)))
    (local.set $end (i32.add (local.get $x)
      (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const {{shift}}))))
    (local.set $wv (f64x2.splat (f64.load (local.get $w))))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (if (local.get $wstep) (then (local.set $wv (v128.load (local.get $w)))))
        (local.set $xhat
          (f64x2.mul (f64x2.sub {{load2 (local.get $x)}} (local.get $muv)) (local.get $isv)))
        {{store2 (local.get $dx)
          (f64x2.mul (local.get $isv)
            (f64x2.sub
              (f64x2.sub (f64x2.mul (local.get $wv) {{load2 (local.get $dy)}}) (local.get $mgv))
              (f64x2.mul (local.get $xhat) (local.get $mgxv))))}}
        (local.set $x (i32.add (local.get $x) (i32.const {{size2}})))
        (local.set $dy (i32.add (local.get $dy) (i32.const {{size2}})))
        (local.set $dx (i32.add (local.get $dx) (i32.const {{size2}})))
        (local.set $w (i32.add (local.get $w) (local.get $wstep)))
        (br $pairs)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $sx
          (f64.mul (f64.sub {{load (local.get $x)}} (local.get $mu)) (local.get $is)))
        {{store (local.get $dx)
          (f64.mul (local.get $is)
            (f64.sub
              (f64.sub (f64.mul (f64.load (local.get $w)) {{load (local.get $dy)}}) (local.get $mg))
              (f64.mul (local.get $sx) (local.get $mgx))))}})))

  ;; dweight and dbias (accumulated into dw and db, zeroed by the caller) and, with needDx, dx.
  (func (export "backward_{{T}}") (param $x i32) (param $dy i32) (param $dx i32) (param $rows i32)
    (param $groups i32) (param $k i32) (param $l i32) (param $w i32) (param $mean i32)
    (param $invstd i32) (param $dw i32) (param $db i32) (param $needDx i32)
    (local $r i32) (local $m i32) (local $mf f64) (local $rb i32) (local $lb i32) (local $mu f64)
    (local $is f64) (local $g8 i32) (local $kk i32) (local $ch8 i32) (local $p i32) (local $q i32)
    (local $o i32) (local $sg f64) (local $sgx f64) (local $sdy f64) (local $sdyx f64) (local $wc f64)
    (local $mg f64) (local $mgx f64)
    (local.set $m (i32.mul (local.get $k) (local.get $l)))
    (local.set $mf (f64.convert_i32_u (local.get $m)))
    (local.set $rb (i32.shl (local.get $m) (i32.const {{shift}})))
    (local.set $lb (i32.shl (local.get $l) (i32.const {{shift}})))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $mu (f64.load (i32.add (local.get $mean) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $is (f64.load (i32.add (local.get $invstd) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $g8
          (i32.shl (i32.mul (i32.rem_u (local.get $r) (local.get $groups)) (local.get $k)) (i32.const 3)))
        (if (i32.eq (local.get $l) (i32.const 1))
          (then
            (local.set $sg
              (call $bsum1_{{T}} (local.get $x) (local.get $dy) (local.get $k)
                (i32.add (local.get $w) (local.get $g8)) (i32.add (local.get $dw) (local.get $g8))
                (i32.add (local.get $db) (local.get $g8)) (local.get $mu) (local.get $is)))
            (local.set $sgx (global.get $second)))
          (else
            (local.set $sg (f64.const 0))
            (local.set $sgx (f64.const 0))
            (local.set $kk (i32.const 0))
            (local.set $o (i32.const 0))
            (block $kdone
              (loop $ks
                (br_if $kdone (i32.ge_u (local.get $kk) (local.get $k)))
                (local.set $ch8 (i32.add (local.get $g8) (i32.shl (local.get $kk) (i32.const 3))))
                (local.set $sdy
                  (call $bsumL_{{T}} (i32.add (local.get $x) (local.get $o))
                    (i32.add (local.get $dy) (local.get $o)) (local.get $l) (local.get $mu)
                    (local.get $is)))
                (local.set $sdyx (global.get $second))
                (local.set $p (i32.add (local.get $db) (local.get $ch8)))
                (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (local.get $sdy)))
                (local.set $p (i32.add (local.get $dw) (local.get $ch8)))
                (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (local.get $sdyx)))
                (local.set $wc (f64.load (i32.add (local.get $w) (local.get $ch8))))
                (local.set $sg (f64.add (local.get $sg) (f64.mul (local.get $wc) (local.get $sdy))))
                (local.set $sgx (f64.add (local.get $sgx) (f64.mul (local.get $wc) (local.get $sdyx))))
                (local.set $o (i32.add (local.get $o) (local.get $lb)))
                (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
                (br $ks)))))
        (if (local.get $needDx)
          (then
            (local.set $mg (f64.div (local.get $sg) (local.get $mf)))
            (local.set $mgx (f64.div (local.get $sgx) (local.get $mf)))
            (if (i32.eq (local.get $l) (i32.const 1))
              (then
                (call $dx_{{T}} (local.get $x) (local.get $dy) (local.get $dx) (local.get $k)
                  (i32.add (local.get $w) (local.get $g8)) (i32.const 16) (local.get $mu)
                  (local.get $is) (local.get $mg) (local.get $mgx)))
              (else
                (local.set $kk (i32.const 0))
                (local.set $o (i32.const 0))
                (block $xdone
                  (loop $xs
                    (br_if $xdone (i32.ge_u (local.get $kk) (local.get $k)))
                    (call $dx_{{T}} (i32.add (local.get $x) (local.get $o))
                      (i32.add (local.get $dy) (local.get $o)) (i32.add (local.get $dx) (local.get $o))
                      (local.get $l)
                      (i32.add (local.get $w)
                        (i32.add (local.get $g8) (i32.shl (local.get $kk) (i32.const 3))))
                      (i32.const 0) (local.get $mu) (local.get $is) (local.get $mg) (local.get $mgx))
                    (local.set $o (i32.add (local.get $o) (local.get $lb)))
                    (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
                    (br $xs)))))))
        (local.set $x (i32.add (local.get $x) (local.get $rb)))
        (local.set $dy (i32.add (local.get $dy) (local.get $rb)))
        (local.set $dx (i32.add (local.get $dx) (local.get $rb)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; @end
)
