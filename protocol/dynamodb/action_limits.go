package dynamodb

// DescribeLimits and DescribeEndpoints: the account's provisioned
// capacity quotas and the endpoint to send requests to.

// DescribeLimitsInput is a DescribeLimits request (it has no members).
type DescribeLimitsInput struct{}

// DescribeEndpointsInput is a DescribeEndpoints request (no members).
type DescribeEndpointsInput struct{}

func decodeDescribeLimits(body []byte) (*DescribeLimitsInput, *Error) {
	if _, e := decPrepare(body, nil); e != nil {
		return nil, e
	}
	return &DescribeLimitsInput{}, nil
}

func decodeDescribeEndpoints(body []byte) (*DescribeEndpointsInput, *Error) {
	if _, e := decPrepare(body, nil); e != nil {
		return nil, e
	}
	return &DescribeEndpointsInput{}, nil
}

// describeLimitsReply is DynamoDB's default quotas for provisioned
// capacity (per account and region, and per table). dynacache does not
// throttle: these are what a tool sizing its requests is told.
var describeLimitsReply = []byte(`{"AccountMaxReadCapacityUnits":80000,"AccountMaxWriteCapacityUnits":80000,` +
	`"TableMaxReadCapacityUnits":40000,"TableMaxWriteCapacityUnits":40000}`)

func (h *Handler) describeLimits() ([]byte, *Error) {
	return append([]byte(nil), describeLimitsReply...), nil
}

// endpointCacheMinutes is how long a client may keep the endpoint
// (DynamoDB says a day).
const endpointCacheMinutes = "1440"

// describeEndpoints names this server as the client reached it (the Host
// of its request), so that a client doing endpoint discovery keeps
// talking to it. A request without a Host (the RESP port's DYNAMODB
// command) is told the regional DynamoDB name, as DynamoDB answers.
func (h *Handler) describeEndpoints(st *stopper) ([]byte, *Error) {
	host := ""
	if st != nil {
		host = st.host
	}
	if host == "" {
		host = "dynamodb." + h.opts.Region + ".amazonaws.com"
	}
	out := append(make([]byte, 0, 64+len(host)), `{"Endpoints":[{"Address":`...)
	out = appendJSONString(out, host)
	out = append(out, `,"CachePeriodInMinutes":`+endpointCacheMinutes+`}]}`...)
	return out, nil
}
