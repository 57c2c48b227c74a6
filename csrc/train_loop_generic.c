/* The training loop (train_loop.c) for any CPU of the architecture the extension is built
 * for (x86-64: SSE2), the fallback of the run-time dispatch in train_kernels.c.
 *
 * Vectors of 4 floats, the width of SSE2's and of arm64's NEON registers. With 8-float
 * vectors, which the compiler splits in two, this copy took 2x (SG-NS) to 6x (SG-HS
 * --batch) the training time on x86-64: the blocks of eight rows held in registers no
 * longer fit in them (README, "Where the speed comes from"). */
#define LOOP_ENTRY w2v_train_ids_generic
#define W2V_VEC 4
#include "train_loop.c"
