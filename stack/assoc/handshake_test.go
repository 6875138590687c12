package assoc

import (
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

func TestHandshake(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	if !h.c.has(isChange(CommUp)) || !h.s.has(isChange(CommUp)) {
		t.Fatalf("no COMM_UP: %v / %v", h.c.events, h.s.events)
	}
	if h.c.a.PeerTag() != h.s.a.LocalTag() || h.s.a.PeerTag() != h.c.a.LocalTag() {
		t.Fatal("tags do not match")
	}
	want := []wire.ChunkType{wire.TypeInit, wire.TypeInitAck, wire.TypeCookieEcho, wire.TypeCookieAck}
	for i, w := range want {
		if got := chunksOf(h.sent[i]); len(got) != 1 || got[0] != w {
			t.Fatalf("packet %d: %v, want %v\n%s", i, got, w, h.dump())
		}
	}
	if h.sent[0].Header.VerificationTag != 0 {
		t.Error("INIT with nonzero tag")
	}
	if h.sent[1].Header.VerificationTag != h.c.a.LocalTag() {
		t.Error("INIT ACK not sent with the INIT's tag")
	}
	st := h.c.a.Status()
	if st.OutStreams != 10 || st.InStreams != 10 || st.State != Established {
		t.Errorf("status %+v", st)
	}
	_ = time.Second
}
