package stack

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAssocSet(t *testing.T) {
	s := newAssocSet()
	es := make([]*entry, 10)
	for i := range es {
		es[i] = &entry{id: AssocID(i + 1)}
		s.add(es[i])
	}
	ids := func() []AssocID {
		var out []AssocID
		s.walk(func(e *entry) { out = append(out, e.id) })
		return out
	}
	require.Equal(t, []AssocID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, ids())

	// Removing during a walk (an association closing under a SENDALL)
	// skips the removed ones and visits the rest once.
	var seen []AssocID
	s.walk(func(e *entry) {
		seen = append(seen, e.id)
		if e.id%2 == 1 {
			s.remove(e.id + 1)
		}
	})
	require.Equal(t, []AssocID{1, 3, 5, 7, 9}, seen)
	require.Equal(t, 5, s.len())
	s.remove(42) // unknown: no-op
	s.remove(1)
	_, ok := s.get(1)
	require.False(t, ok)

	// add compacts once half the slots are holes, keeping the order.
	s.add(&entry{id: 11})
	require.Equal(t, []AssocID{3, 5, 7, 9, 11}, ids())
	require.Len(t, s.order, 5)
	for i, e := range s.order {
		require.Equal(t, i, e.setIdx)
	}
	e, ok := s.get(7)
	require.True(t, ok)
	require.Equal(t, AssocID(7), e.id)
}
