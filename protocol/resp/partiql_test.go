package resp

import "testing"

// TestDynamoDBPartiQL: PartiQL statements reach the store over RESP
// through DYNAMODB ExecuteStatement and BatchExecuteStatement.
func TestDynamoDBPartiQL(t *testing.T) {
	cv := newConvo(t, Options{SweepInterval: -1})
	cv.Do("DYNAMODB", "CreateTable", `{"TableName":"Music","AttributeDefinitions":[{"AttributeName":"Artist","AttributeType":"S"}],"KeySchema":[{"AttributeName":"Artist","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`).Contains(`"TableName":"Music"`)
	cv.Do("DYNAMODB", "ExecuteStatement", `{"Statement":"INSERT INTO Music VALUE {'Artist': 'Ada', 'Plays': 1}"}`).Str(`{"Items":[]}`)
	cv.Do("DYNAMODB", "ExecuteStatement", `{"Statement":"UPDATE Music SET Plays = Plays + 1 WHERE Artist = ? RETURNING MODIFIED NEW *","Parameters":[{"S":"Ada"}]}`).Str(`{"Items":[{"Plays":{"N":"2"}}]}`)
	cv.Do("DYNAMODB", "GET", "Music", `{"Artist":"Ada"}`).Str(`{"Artist":"Ada","Plays":2}`)
	cv.Do("DYNAMODB", "ExecuteStatement", `{"Statement":"INSERT INTO Music VALUE {'Artist': 'Ada'}"}`).Err("ERR DuplicateItemException: Duplicate primary key exists in table")
	cv.Do("DYNAMODB", "ExecuteStatement", `{"Statement":"SELECT * FROM Music WHERE"}`).Err("ERR ValidationException: Statement wasn't well formed, can't be processed: Unexpected term")
	cv.Do("DYNAMODB", "BatchExecuteStatement", `{"Statements":[{"Statement":"SELECT Plays FROM Music WHERE Artist = 'Ada'"}]}`).Str(`{"Responses":[{"TableName":"Music","Item":{"Plays":{"N":"2"}}}]}`)
}
