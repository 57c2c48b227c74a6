#!/bin/sh
# Nightly retraining that never loses work and never publishes bad vectors.
#
#   nightly.sh TEXT STATE_DIR PUBLISHED [w2v train options...]
#
# TEXT       today's new text (any format `w2v train` reads)
# STATE_DIR  where the model, the checkpoint and the candidate vectors live between nights
# PUBLISHED  the vectors file other jobs read; replaced (atomically) only by vectors that
#            pass the quality gate
#
# Each night: if last night's run died (reboot, time limit, kill), its checkpoint is
# resumed and finished first; then yesterday's model is continued on TEXT (new words
# added), or a model is trained from scratch on the first night. Every result must pass
# the gate before it is adopted and published: `w2v eval analogies --fail-under 0.30` by
# default, set GATE="similarity PAIRS.tsv 0.45" for a word-pair gate instead. Exit
# status: 0 published, 3 the gate refused the new vectors (the old ones stay), anything
# else the failing w2v command's status (see the README's "Running unattended").
#
# Crontab line (every night at 02:30, log kept):
#   30 2 * * *  /path/to/nightly.sh /data/news-$(date +\%F).txt /var/lib/vectors /srv/vectors.bin >> /var/log/vectors.log 2>&1
set -eu

if [ $# -lt 3 ]; then
    echo "usage: $0 TEXT STATE_DIR PUBLISHED [w2v train options...]" >&2
    exit 2
fi
text=$1 state=$2 published=$3
shift 3
W2V=${W2V:-w2v}
GATE=${GATE:-analogies 0.30}

mkdir -p "$state"
model=$state/model checkpoint=$state/checkpoint
candidate=$state/candidate.bin new_model=$state/model.new

# One run at a time: a run still going (a slow night) makes this one stop here.
exec 9>"$state/lock"
if ! flock -n 9; then
    echo "$(date '+%F %T') another run holds $state/lock: nothing to do" >&2
    exit 0
fi

gate() {  # gate VECTORS: exit status 0 pass, 3 fail
    set -- "$1" $GATE
    case $2 in
        analogies) "$W2V" eval analogies "$1" --fail-under "$3" ;;
        similarity) "$W2V" eval similarity "$1" "$3" --fail-under "$4" ;;
        *) echo "GATE must be 'analogies MIN' or 'similarity PAIRS MIN'" >&2; return 2 ;;
    esac
}

adopt() {  # the candidate and its model passed: publish them
    mv -f "$new_model" "$model"
    tmp=$(dirname "$published")/.$(basename "$published").publishing.$$
    cp "$candidate" "$tmp"
    mv -f "$tmp" "$published"   # a rename: readers see the old file or the new one
    echo "$(date '+%F %T') published $published" >&2
}

finish() {  # gate the candidate, then adopt it or drop it
    if gate "$candidate" > "$state/gate-report.txt"; then
        adopt
    else
        status=$?
        rm -f "$new_model"
        echo "$(date '+%F %T') gate refused the new vectors (status $status); $published unchanged" >&2
        return "$status"
    fi
}

if [ -f "$checkpoint" ]; then
    echo "$(date '+%F %T') resuming the run that was stopped" >&2
    status=0
    "$W2V" train --resume "$checkpoint" || status=$?
    if [ "$status" -eq 0 ]; then
        finish || true   # a refused leftover must not block tonight's text
    elif [ "$status" -eq 4 ]; then
        # damaged, or its text is gone or changed: it can never be finished, start afresh
        echo "$(date '+%F %T') dropping a checkpoint that cannot be resumed" >&2
        rm -f "$checkpoint"
    else
        # stopped again (a signal) or failed (a full disk: the trained state is in the
        # checkpoint): it is kept for next time
        exit "$status"
    fi
fi

if [ -f "$model" ]; then
    "$W2V" train "$text" --from-model "$model" --update-vocab -o "$candidate" --binary \
        --save-model "$new_model" --checkpoint "$checkpoint" --checkpoint-every 30m "$@"
else
    "$W2V" train "$text" -o "$candidate" --binary --save-model "$new_model" \
        --checkpoint "$checkpoint" --checkpoint-every 30m "$@"
fi
finish
