package tx

// RemovePath forgets path, whose peer address left the association (RFC
// 5061 ASCONF Delete IP Address): chunks last sent on it and neither acked
// nor abandoned are marked for retransmission on another path, and paths
// numbered above it move down by one, as the association renumbers its
// paths.
func (r *Retransmit) RemovePath(path int) {
	if path < 0 || path >= len(r.flight) {
		return
	}
	for i := 0; i < r.n; i++ {
		c := r.at(i)
		if c.path != path {
			continue
		}
		if !c.acked && !c.abandoned {
			c.miss = 0
			r.setMark(c, i, markT3)
		}
		r.removeFlight(c)
	}
	for i := 0; i < r.n; i++ {
		c := r.at(i)
		switch {
		case c.path == path:
			c.path = 0 // out of flight: the number no longer matters
		case c.path > path:
			c.path--
		}
	}
	r.flight = append(r.flight[:path], r.flight[path+1:]...)
	r.ackedBytes = append(r.ackedBytes[:path], r.ackedBytes[path+1:]...)
	r.ensurePath(0) // the chunks moved to number 0 index it on SACK
}
