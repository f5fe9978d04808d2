package sip

import (
	"fmt"
	"time"

	"sportello/internal/clock"
	"sportello/telephony"
	"sportello/telephony/media"
)

// holdMusic is the hold music of the announcements (TEL-5), or the built-in one when none is
// uploaded: a waiting caller never hears silence (issue 18).
func (a *Adapter) holdMusic() []int16 {
	if pcm := a.prompt(telephony.SlotHoldMusic); len(pcm) >= media.FrameSamples {
		return pcm
	}
	return media.DefaultHoldMusic
}

// positionPrompt is what a queued caller hears when joining the queue and every AnnounceEvery:
// the uploaded "position" announcement if any ("tutti gli operatori sono occupati…"), then the
// position and the expected wait in Italian (issue 18 item 6).
func (a *Adapter) positionPrompt(pos int, wait time.Duration) []int16 {
	var out []int16
	// Each part starts on a packet of its own (padded with under 20 ms of silence): what the
	// caller receives can be checked against the recordings frame by frame.
	add := func(pcm []int16) {
		out = append(out, pcm...)
		if r := len(out) % media.FrameSamples; r != 0 {
			out = append(out, make([]int16, media.FrameSamples-r)...)
		}
	}
	add(a.prompt(telephony.SlotPosition))
	if pos > 0 {
		add(a.voice.Position(pos))
	}
	add(a.voice.ExpectedWait(wait))
	if len(out) == 0 {
		return nil
	}
	return out
}

// speech synthesises a sentence; nil without espeak-ng.
func (a *Adapter) speech(text string) []int16 { return a.voice.Text(text) }

var (
	weekdays = []string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}
	months   = []string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
		"settembre", "ottobre", "novembre", "dicembre"}
)

// callbackConfirmation tells the caller when they will be called back (TEL-7, issue 18 item 6).
// Without speech synthesis the recorded "grazie" of the prompts is played.
func (a *Adapter) callbackConfirmation(slot time.Time) []int16 {
	t := slot.In(clock.Rome())
	at := fmt.Sprintf("alle ore %d", t.Hour())
	if t.Minute() != 0 {
		at += fmt.Sprintf(" e %d", t.Minute())
	}
	text := fmt.Sprintf("La richiamata è prenotata per %s %d %s, %s. Grazie per aver chiamato.",
		weekdays[t.Weekday()], t.Day(), months[t.Month()-1], at)
	if pcm := a.voice.Text(text); pcm != nil {
		return pcm
	}
	return a.voice.Recording("auth-thankyou")
}
