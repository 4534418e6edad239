// AVX-512 register-tile kernels on 32-bit words, shared by bf16_dot.cpp (a word = two bf16,
// multiplied by vdpbf16ps) and f32_dot.cpp (a word = one float, vfmadd). Include in a .cpp
// after <immintrin.h>, with DATTN_WORD_TARGET defined as that file's target attribute and
// inside an anonymous namespace, so that each file gets its own instantiations.
//
// C[i][x] (+)= sum_w Op(A word (i, w), B word (w, x)) over `words` words, where A rows are
// bytes with row stride lda (word w at byte 4w, no alignment assumed), B is [words][ldb]
// words, x runs over 16-wide vectors and C is fp32 with row stride ldc.

constexpr int kRows = tiles::kWordRows;
constexpr int kCols = tiles::kWordCols;
static_assert(kRows == 6 && kCols == 4, "the remainder switches below are written for 6 x 4");

inline uint32_t load_word(const char* p) {
  uint32_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// R rows x J vectors: every B vector loaded once per word feeds R rows. Add: C += the
// sum formed in a fresh accumulator; else C = the sum. `last` masks the last vector's lanes.
template <class Op, bool Add, int R, int J>
DATTN_WORD_TARGET void word_block(const char* a, int64_t lda, const uint32_t* b, int64_t ldb,
                                  int64_t words, float* c, int64_t ldc, __mmask16 last) {
  __m512 acc[R][J];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < J; ++j) acc[r][j] = _mm512_setzero_ps();
  for (int64_t w = 0; w < words; ++w) {
    __m512i bv[J];
    for (int j = 0; j < J; ++j) bv[j] = _mm512_loadu_si512(b + w * ldb + 16 * j);
    for (int r = 0; r < R; ++r) {
      const __m512i av = _mm512_set1_epi32(static_cast<int>(load_word(a + r * lda + 4 * w)));
      for (int j = 0; j < J; ++j) acc[r][j] = Op::madd(acc[r][j], av, bv[j]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int j = 0; j < J; ++j) {
      const __mmask16 m = j == J - 1 ? last : __mmask16{0xffff};
      float* dst = c + r * ldc + 16 * j;
      const __m512 v = Add ? _mm512_add_ps(_mm512_maskz_loadu_ps(m, dst), acc[r][j]) : acc[r][j];
      _mm512_mask_storeu_ps(dst, m, v);
    }
  }
}

// Columns [0, cols) in steps of kCols vectors; C columns at or past `valid` are not touched.
template <class Op, bool Add, int R>
DATTN_WORD_TARGET void word_rows(const char* a, int64_t lda, const uint32_t* b, int64_t ldb,
                                 int64_t cols, int64_t valid, int64_t words, float* c,
                                 int64_t ldc) {
  for (int64_t x0 = 0; x0 < cols; x0 += 16 * kCols) {
    const int64_t vecs = std::min<int64_t>(kCols, (cols - x0) / 16);
    const int64_t tail = std::clamp<int64_t>(valid - (x0 + 16 * (vecs - 1)), 0, 16);
    const __mmask16 last = static_cast<__mmask16>((1u << tail) - 1u);
    const uint32_t* bx = b + x0;
    float* cx = c + x0;
    switch (vecs) {
      case 4: word_block<Op, Add, R, 4>(a, lda, bx, ldb, words, cx, ldc, last); break;
      case 3: word_block<Op, Add, R, 3>(a, lda, bx, ldb, words, cx, ldc, last); break;
      case 2: word_block<Op, Add, R, 2>(a, lda, bx, ldb, words, cx, ldc, last); break;
      default: word_block<Op, Add, R, 1>(a, lda, bx, ldb, words, cx, ldc, last); break;
    }
  }
}

// All rows: blocks of kRows, then the remainder, each with its own unrolled kernel.
// cols is a multiple of 16 (B is padded to it).
template <class Op, bool Add>
void word_gemm(const char* a, int64_t lda, int64_t rows, const uint32_t* b, int64_t ldb,
               int64_t cols, int64_t valid, int64_t words, float* c, int64_t ldc) {
  int64_t i = 0;
  for (; i + kRows <= rows; i += kRows) {
    word_rows<Op, Add, kRows>(a + i * lda, lda, b, ldb, cols, valid, words, c + i * ldc, ldc);
  }
  const char* ai = a + i * lda;
  float* ci = c + i * ldc;
  switch (rows - i) {
    case 5: word_rows<Op, Add, 5>(ai, lda, b, ldb, cols, valid, words, ci, ldc); break;
    case 4: word_rows<Op, Add, 4>(ai, lda, b, ldb, cols, valid, words, ci, ldc); break;
    case 3: word_rows<Op, Add, 3>(ai, lda, b, ldb, cols, valid, words, ci, ldc); break;
    case 2: word_rows<Op, Add, 2>(ai, lda, b, ldb, cols, valid, words, ci, ldc); break;
    case 1: word_rows<Op, Add, 1>(ai, lda, b, ldb, cols, valid, words, ci, ldc); break;
    default: break;
  }
}

// out[w][t] = word w of row t (rows at byte stride ld), for t < round_up(rows, 16) (missing
// rows zero) and w < words: 16 x 16 words at a time, transposed in registers (unpack 32 /
// 64-bit, then two rounds of 128-bit lane shuffles); a scalar transpose cost 7% of fa.
DATTN_WORD_TARGET void transpose_words(const char* src, int64_t ld, int64_t rows, int64_t words,
                                       uint32_t* out) {
  const int64_t np = (rows + 15) / 16 * 16;
  for (int64_t t0 = 0; t0 < np; t0 += 16) {
    for (int64_t w0 = 0; w0 < words; w0 += 16) {
      const int64_t cols = std::min<int64_t>(16, words - w0);
      const __mmask16 m = static_cast<__mmask16>((1u << cols) - 1u);
      __m512i r[16], t[16], u[16];
      for (int i = 0; i < 16; ++i) {
        r[i] = t0 + i < rows ? _mm512_maskz_loadu_epi32(m, src + (t0 + i) * ld + 4 * w0)
                             : _mm512_setzero_si512();
      }
      for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
      }
      for (int i = 0; i < 16; i += 4) {
        u[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
        u[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
        u[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
        u[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
      }
      // u[4g + j], 128-bit lane L: word 4L + j of rows 4g .. 4g + 3.
      for (int j = 0; j < 4; ++j) {
        const __m512i v0 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0x88);
        const __m512i v1 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0xdd);
        const __m512i w0v = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0x88);
        const __m512i w1v = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0xdd);
        const __m512i col[4] = {_mm512_shuffle_i32x4(v0, w0v, 0x88), _mm512_shuffle_i32x4(v1, w1v, 0x88),
                                _mm512_shuffle_i32x4(v0, w0v, 0xdd), _mm512_shuffle_i32x4(v1, w1v, 0xdd)};
        for (int l = 0; l < 4; ++l) {
          if (4 * l + j < cols) _mm512_storeu_si512(out + (w0 + 4 * l + j) * np + t0, col[l]);
        }
      }
    }
  }
}
