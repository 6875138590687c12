package wire

// Reconfig is a RE-CONFIG chunk (RFC 6525 3.1) carrying one or two
// re-configuration parameters.
type Reconfig struct {
	Params []Param
}
