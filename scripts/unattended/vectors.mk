# Rebuild the vectors only when the corpus changes, and never lose a long run:
#
#   make -f vectors.mk                   # trains if corpus.txt is newer than vectors.bin
#   make -f vectors.mk CORPUS=big.txt.gz VECTORS=big.bin
#
# make compares modification times, so an unchanged corpus costs nothing. w2v writes
# vectors.bin atomically, so make never sees a half-written target; if a run is stopped
# (Ctrl-C, a batch system's time limit, kill), its checkpoint is kept and the next `make`
# resumes it instead of starting again.
W2V ?= w2v
CORPUS ?= corpus.txt
VECTORS ?= vectors.bin
OPTIONS ?= --skip-gram --size 100 --window 5 --negative 5 --sample 1e-4 --iter 5

# Status 4 from --resume: the checkpoint can never be resumed (it belongs to an older
# corpus, or is damaged): train afresh. Any other failure keeps it (a full disk at the
# end: the trained state is in it, and the next `make` only writes the vectors).
$(VECTORS): $(CORPUS)
	@status=4; \
	if [ -f $@.checkpoint ]; then \
		$(W2V) train --resume $@.checkpoint; status=$$?; \
		if [ $$status -eq 4 ]; then rm -f $@.checkpoint; fi; \
	fi; \
	if [ $$status -eq 4 ]; then \
		$(W2V) train $(CORPUS) -o $@ --binary --checkpoint $@.checkpoint $(OPTIONS); \
	else \
		exit $$status; \
	fi
