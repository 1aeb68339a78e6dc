/**
 * The geometry convolution and pooling kernels share: a 2-D window sliding over planes of h×w
 * (a 1-D one is the case h = kh = oh = 1, same memory layout).
 */

/**
 * A window of kh×kw taps, dilated by dh×dw, stepping sh×sw over an h×w plane padded by ph rows
 * and pw columns before the first (the padding after only shortens the output), giving oh×ow
 * outputs.
 */
export interface WindowGeometry {
  readonly h: number;
  readonly w: number;
  readonly oh: number;
  readonly ow: number;
  readonly kh: number;
  readonly kw: number;
  /** Strides. */
  readonly sh: number;
  readonly sw: number;
  /** Padding before the first row and column. */
  readonly ph: number;
  readonly pw: number;
  /** Dilations. */
  readonly dh: number;
  readonly dw: number;
}
