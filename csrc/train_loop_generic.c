/* The training loop (train_loop.c) for any CPU of the architecture the extension is built
 * for (x86-64: SSE2), the fallback of the run-time dispatch in train_kernels.c. */
#define LOOP_ENTRY w2v_train_ids_generic
#include "train_loop.c"
