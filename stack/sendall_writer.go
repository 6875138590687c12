package stack

import "runtime"

// A SENDALL to many associations spends about 40% of its time in the
// kernel's sendmmsg (on loopback that includes the receivers' side). A
// sendAllWriter runs those writes on a second goroutine, so on a machine
// with more than one CPU the kernel sends one batch while the caller
// builds the next.
type sendAllWriter struct {
	in   chan *batch // full batches to write, in order
	back chan *batch // written batches, for the walk to reuse
	done chan struct{}
	all  []*batch // every batch of this SENDALL, flushed at the end
}

// sendAllPipelineMin is the association count from which a SENDALL
// writes on a second goroutine: below it the hand-off costs more than the
// overlap saves.
const sendAllPipelineMin = 1024

// sendAllBatch is how many packets the walk queues before handing them
// to the writer: small enough that the writer starts early, large enough
// for a few full sendmmsg calls.
const sendAllBatch = 256

func (s *Stack) newSendAllWriter(assocs int) *sendAllWriter {
	if assocs < sendAllPipelineMin || runtime.GOMAXPROCS(0) < 2 {
		return nil
	}
	w := &sendAllWriter{
		in:   make(chan *batch, 4),
		back: make(chan *batch, 8),
		done: make(chan struct{}),
	}
	go func() {
		defer close(w.done)
		for b := range w.in {
			// write touches no Stack state: it runs while the walk holds
			// s.mu. flush, which takes s.mu, waits for the end.
			s.write(b)
			w.back <- b
		}
	}()
	return w
}

// hand passes a full batch to the writer and returns one to go on with:
// an already written one when there is, else a fresh one.
func (w *sendAllWriter) hand(s *Stack, out *batch) *batch {
	w.in <- out
	select {
	case b := <-w.back:
		return b
	default:
		b := s.newBatch()
		w.all = append(w.all, b)
		return b
	}
}

// finish waits for the writer, then writes the last batch and recycles
// every batch; called without s.mu.
func (w *sendAllWriter) finish(s *Stack, last *batch) {
	close(w.in)
	s.flush(last)
	<-w.done
	for _, b := range w.all {
		if b != last {
			s.flush(b)
		}
	}
}
