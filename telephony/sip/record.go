package sip

import (
	"sync"
	"time"

	"sportello/telephony/media"
)

// privacyNotice is what callers of a recorded queue hear first when no notice file is
// configured (TK-4; GDPR art. 13: the caller is told before the recording starts).
const privacyNotice = "Gentile utente, la informiamo che la conversazione con l'operatore potrà essere registrata " +
	"per finalità di qualità del servizio e di tutela delle parti. Le registrazioni sono conservate per il tempo " +
	"previsto e consultabili solo dal personale autorizzato."

// notice returns the privacy notice for a recorded queue, or nil when it cannot be played: then
// the call is not recorded (no recording without notice).
func (a *Adapter) notice() []int16 {
	if n := a.cfg.Recording.Notice; len(n) > 0 {
		return n
	}
	return a.voice.Text(privacyNotice)
}

// records reports whether calls to queue are recorded.
func (a *Adapter) records(queue string) bool {
	return a.cfg.Recording.Store != nil && a.cfg.Recording.Queues[queue]
}

// recorder mixes the two directions of a bridged call into one mono recording. Packets are
// placed by their arrival time on the recording's clock (a side that sends continuously stays
// contiguous; a real pause becomes silence), kept for half a second to let the other side's
// packets be added, then written: memory stays at about a second of audio whatever the length.
type recorder struct {
	mu      sync.Mutex
	w       recordingSink
	start   time.Time
	base    int64   // sample index of pending[0]
	pending []int32 // the mix not yet written
	next    [2]int64
	out     []int16
}

type recordingSink interface {
	Write([]int16) error
	Close() error
}

const (
	recRate  = int64(media.SampleRate)
	recHold  = recRate / 2 // kept before writing
	recSlack = recRate / 5 // how far a side may drift from the clock before it follows it
)

func newRecorder(w recordingSink, start time.Time) *recorder { return &recorder{w: w, start: start} }

// add mixes pcm from side (0 the caller, 1 the other party) received at now.
func (r *recorder) add(side int, pcm []int16, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w == nil {
		return
	}
	at := int64(now.Sub(r.start)) * recRate / int64(time.Second)
	pos := r.next[side]
	if d := at - pos; d > recSlack || d < -recSlack {
		pos = at
	}
	if top := r.base + int64(len(r.pending)); pos > top+recRate {
		// A long pause (a transfer on hold): write what is pending, then the silence, in chunks.
		r.flush(top)
		r.silence(pos)
	}
	pos = max(pos, r.base)
	end := pos + int64(len(pcm))
	if need := end - r.base; need > int64(len(r.pending)) {
		r.pending = append(r.pending, make([]int32, need-int64(len(r.pending)))...)
	}
	for i, s := range pcm {
		r.pending[pos-r.base+int64(i)] += int32(s)
	}
	r.next[side] = end
	r.flush(at - recHold)
}

// flush writes the mix before sample upto.
func (r *recorder) flush(upto int64) {
	n := min(upto-r.base, int64(len(r.pending)))
	if n <= 0 {
		return
	}
	r.out = r.out[:0]
	for _, v := range r.pending[:n] {
		r.out = append(r.out, int16(max(-32768, min(32767, v))))
	}
	r.w.Write(r.out)
	r.pending = append(r.pending[:0], r.pending[n:]...)
	r.base += n
}

// silence writes zeros up to sample to; pending is empty.
func (r *recorder) silence(to int64) {
	zero := make([]int16, recRate)
	for r.base < to {
		n := min(to-r.base, recRate)
		r.w.Write(zero[:n])
		r.base += n
	}
}

// close writes the rest and closes the recording.
func (r *recorder) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w == nil {
		return nil
	}
	r.flush(r.base + int64(len(r.pending)))
	err := r.w.Close()
	r.w = nil
	return err
}
