package dynamodb

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"

	"github.com/dynacache/dynacache/shard/attr"
)

// The schema-driven request checker, mirroring dynalite's validations
// (validations/index.js): each operation declares its members in DynamoDB's
// order with their types and constraints, and a request goes through
//
//  1. schTypeCheck: type errors (SerializationException), in schema order;
//  2. schValidate: required parameters, the table name's length, then up to
//     ten constraint violations ("N validation errors detected: ...");
//  3. the operation's own checks (decode_*.go), which also convert the
//     request into its typed Input.
//
// Unknown members and JSON nulls are ignored throughout.

type schType uint8

const (
	stString schType = iota
	stBoolean
	stInteger
	stLong
	stBlob
	stList        // List
	stParamList   // ParameterizedList
	stMap         // Map<sub>
	stParamMap    // ParameterizedMap
	stValueStruct // ValueStruct<sub>
	stFieldStruct // FieldStruct<sub>
)

type schCheckKind uint8

const (
	ckNotNull schCheckKind = iota
	ckMin                  // greaterThanOrEqual
	ckMax                  // lessThanOrEqual
	ckRegex                // the name pattern [a-zA-Z0-9_.-]+
	ckMinLen
	ckMaxLen
	ckEnum
	ckKeys   // constraints on a map's keys
	ckValues // constraints on a map's values
)

type schCheck struct {
	kind schCheckKind
	n    float64
	enum []string
	sub  []schCheck // ckKeys, ckValues
	// skipEmpty leaves an empty string to the length checks (ckRegex).
	skipEmpty bool
	// bare words a failure as DynamoDB's newer validation layer does for
	// some members: "Value at 'RequestItems.t.member.Keys' failed to ...",
	// without the value and with the members' own capitalised names.
	bare bool
}

// schField describes one member (or a list's or map's element).
type schField struct {
	name     string
	typ      schType
	sub      string // type parameter, for messages
	required bool   // "The parameter 'X' is required ..." (top level only)
	// emptyFor, when set, answers an empty map "The x parameter is
	// required for <emptyFor>" before any constraint (top level only).
	emptyFor  string
	checks    []schCheck
	fields    []*schField // struct members, in order
	elem      *schField   // list or map element
	attrValue bool        // an AttributeValue: no constraints inside
	// notNullUnless drops a ckNotNull when this sibling is present (for
	// members DynamoDB made optional after dynalite recorded them).
	notNullUnless string
}

const namePattern = "[a-zA-Z0-9_.-]+"

// Constraint constructors.
func notNull() schCheck         { return schCheck{kind: ckNotNull} }
func minVal(n float64) schCheck { return schCheck{kind: ckMin, n: n} }
func maxVal(n float64) schCheck { return schCheck{kind: ckMax, n: n} }
func nameRegex() schCheck       { return schCheck{kind: ckRegex} }
func nameRegexIfSet() schCheck  { return schCheck{kind: ckRegex, skipEmpty: true} }

// bareCheck returns c worded the bare way (schCheck.bare).
func bareCheck(c schCheck) schCheck    { c.bare = true; return c }
func minLen(n int) schCheck            { return schCheck{kind: ckMinLen, n: float64(n)} }
func maxLen(n int) schCheck            { return schCheck{kind: ckMaxLen, n: float64(n)} }
func enumOf(v ...string) schCheck      { return schCheck{kind: ckEnum, enum: v} }
func keysCheck(c ...schCheck) schCheck { return schCheck{kind: ckKeys, sub: c} }
func valuesCheck(c ...schCheck) schCheck {
	return schCheck{kind: ckValues, sub: c}
}

// Field constructors.
func fString(name string, c ...schCheck) *schField {
	return &schField{name: name, typ: stString, checks: c}
}
func fBool(name string, c ...schCheck) *schField {
	return &schField{name: name, typ: stBoolean, checks: c}
}
func fInteger(name string, c ...schCheck) *schField {
	return &schField{name: name, typ: stInteger, checks: c}
}
func fLong(name string, c ...schCheck) *schField {
	return &schField{name: name, typ: stLong, checks: c}
}
func fList(name string, elem *schField, c ...schCheck) *schField {
	return &schField{name: name, typ: stList, elem: elem, checks: c}
}
func fMap(name, sub string, elem *schField, c ...schCheck) *schField {
	return &schField{name: name, typ: stMap, sub: sub, elem: elem, checks: c}
}
func fValueStruct(name, sub string, fields []*schField, c ...schCheck) *schField {
	return &schField{name: name, typ: stValueStruct, sub: sub, fields: fields, checks: c}
}
func fFieldStruct(name, sub string, fields []*schField, c ...schCheck) *schField {
	return &schField{name: name, typ: stFieldStruct, sub: sub, fields: fields, checks: c}
}

// fStrings is a list of strings (element constraints: none).
func fStrings(name string, c ...schCheck) *schField {
	return fList(name, &schField{typ: stString}, c...)
}

// The AttributeValue shapes: AttrStruct<ValueStruct> (elements of maps and
// lists) and AttrStruct<FieldStruct> (a member such as Expected.Value).
var avValueShape, avFieldShape = newAttrValueShapes()

// newAttrValueShapes builds both shapes in the variables' initializer, not
// in init(): schemas built by other package-level initializers copy
// avFieldShape (fAttrValue), and Go runs every variable initializer before
// any init function.
func newAttrValueShapes() (value, field *schField) {
	value = &schField{typ: stValueStruct, sub: "AttributeValue", attrValue: true}
	field = &schField{typ: stFieldStruct, sub: "AttributeValue", attrValue: true}
	members := []*schField{
		{name: "S", typ: stString},
		{name: "B", typ: stBlob},
		{name: "N", typ: stString},
		{name: "BOOL", typ: stBoolean},
		{name: "NULL", typ: stBoolean},
		{name: "BS", typ: stList, elem: &schField{typ: stBlob}},
		{name: "NS", typ: stList, elem: &schField{typ: stString}},
		{name: "SS", typ: stList, elem: &schField{typ: stString}},
		{name: "L", typ: stList, elem: value},
		{name: "M", typ: stMap, sub: "AttributeValue", elem: value},
	}
	value.fields = members
	field.fields = members
	return value, field
}

// fAttrMap is a Map<AttributeValue> (Item, Key, ExpressionAttributeValues...).
func fAttrMap(name string, c ...schCheck) *schField {
	return fMap(name, "AttributeValue", avValueShape, c...)
}

// fAttrValue is an AttrStruct<FieldStruct> member.
func fAttrValue(name string) *schField {
	f := *avFieldShape
	f.name = name
	return &f
}

// fNames is ExpressionAttributeNames.
func fNames() *schField {
	return fMap("ExpressionAttributeNames", "java.lang.String", &schField{typ: stString})
}

// fItemTableName is a TableName member of an item operation. DynamoDB
// checks its length from 1 (an empty name is one error, not two) and its
// pattern only when it is not empty; a short name such as "ab" passes and
// names no table (ResourceNotFoundException). Recorded against DynamoDB by
// a conformance suite of the AWS SDK for JavaScript (PutItem: the empty name is
// "Member must have length greater than or equal to 1", 256 characters
// "less than or equal to 255", "bad table!@#" the pattern alone).
func fItemTableName() *schField {
	return fString("TableName", notNull(), nameRegexIfSet(), minLen(1), maxLen(255))
}

// fTopTableName is a TableName member of a table operation: required, and
// its length (3 to 255) and pattern are constraints like any other, so a
// short name reads "Value 'ab' at 'tableName' failed to satisfy
// constraint: Member must have length greater than or equal to 3", as
// DynamoDB answers CreateTable (dynalite's older "TableName must be at
// least 3 characters long ..." is no longer DynamoDB's).
func fTopTableName() *schField {
	return &schField{name: "TableName", typ: stString, required: true, checks: []schCheck{minLen(3), maxLen(255), nameRegex()}}
}

func fProvisionedThroughput(name string, c ...schCheck) *schField {
	return fFieldStruct(name, "ProvisionedThroughput", []*schField{
		fLong("WriteCapacityUnits", notNull(), minVal(1)),
		fLong("ReadCapacityUnits", notNull(), minVal(1)),
	}, c...)
}

// --- type checks --------------------------------------------------------

func typeErr(msg string) *Error { return serializationError(msg) }

// numberToken names a JSON number as DynamoDB's parser does: NUMBER_VALUE
// for an integer literal, DECIMAL_VALUE for one with a fraction or exponent.
func numberToken(text string) string {
	if strings.ContainsAny(text, ".eE") {
		return "DECIMAL_VALUE"
	}
	return "NUMBER_VALUE"
}

// jsBoolString converts a string given for a Boolean as DynamoDB does.
func jsBoolString(s string) (val, ok bool) {
	switch strings.ToUpper(s) {
	case "TRUE", "1", "YES":
		return true, true
	case "FALSE", "0", "NO":
		return false, true
	}
	return false, false
}

const castMsg = "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of loader 'bootstrap')"

const (
	msgStartOfStructure = "Start of structure or map found where not expected"
	msgUnexpectedField  = "Unexpected field type"
)

// schTypeCheckStruct checks the members of struct v (an object) in fields'
// order.
func schTypeCheckStruct(v *jv, fields []*schField) *Error {
	for _, f := range fields {
		m := v.present(f.name)
		if m == nil {
			continue
		}
		if e := schTypeCheck(m, f); e != nil {
			return e
		}
	}
	return nil
}

// schTypeCheck checks v (not null) against f.
func schTypeCheck(v *jv, f *schField) *Error {
	switch f.typ {
	case stBoolean:
		switch v.kind {
		case jvNumber:
			return typeErr(numberToken(v.str) + " cannot be converted to Boolean")
		case jvString:
			if _, ok := jsBoolString(v.str); !ok {
				return typeErr("Unexpected token received from parser")
			}
		case jvArray:
			return typeErr("Unrecognized collection type class java.lang.Boolean")
		case jvObject:
			return typeErr(msgStartOfStructure)
		}
	case stInteger, stLong:
		tn := "Integer"
		if f.typ == stLong {
			tn = "Long"
		}
		switch v.kind {
		case jvBool:
			if v.b {
				return typeErr("TRUE_VALUE cannot be converted to " + tn)
			}
			return typeErr("FALSE_VALUE cannot be converted to " + tn)
		case jvString:
			return typeErr("STRING_VALUE cannot be converted to " + tn)
		case jvArray:
			return typeErr("Unrecognized collection type class java.lang." + tn)
		case jvObject:
			return typeErr(msgStartOfStructure)
		}
	case stString:
		switch v.kind {
		case jvBool:
			if v.b {
				return typeErr("TRUE_VALUE cannot be converted to String")
			}
			return typeErr("FALSE_VALUE cannot be converted to String")
		case jvNumber:
			return typeErr(numberToken(v.str) + " cannot be converted to String")
		case jvArray:
			return typeErr("Unrecognized collection type class java.lang.String")
		case jvObject:
			return typeErr(msgStartOfStructure)
		}
	case stBlob:
		switch v.kind {
		case jvBool, jvNumber:
			return typeErr("only base-64-encoded strings are convertible to bytes")
		case jvArray:
			return typeErr("Unrecognized collection type class java.nio.ByteBuffer")
		case jvObject:
			return typeErr(msgStartOfStructure)
		}
		if n := attr.UTF16Len(v.str); n%4 != 0 {
			return typeErr("Base64 encoded length is expected a multiple of 4 bytes but found: " + strconv.Itoa(n))
		}
		if !canonicalBase64(v.str) {
			return typeErr("Invalid last non-pad Base64 character dectected")
		}
	case stList, stParamList:
		switch v.kind {
		case jvBool, jvNumber, jvString:
			if f.typ == stParamList {
				return typeErr(castMsg)
			}
			return typeErr(msgUnexpectedField)
		case jvObject:
			return typeErr(msgStartOfStructure)
		}
		for i := range v.kids {
			if e := schTypeCheckOpt(&v.kids[i].val, f.elem); e != nil {
				return e
			}
		}
	case stMap, stParamMap:
		switch v.kind {
		case jvBool, jvNumber, jvString:
			if f.typ == stParamMap {
				return typeErr(castMsg)
			}
			return typeErr(msgUnexpectedField)
		case jvArray:
			sub := "com.amazonaws.dynamodb.v20120810.AttributeValue"
			if f.typ == stMap {
				sub = f.sub
				if !strings.Contains(sub, ".") {
					sub = "com.amazonaws.dynamodb.v20120810." + sub
				}
			}
			return typeErr("Unrecognized collection type java.util.Map<java.lang.String, " + sub + ">")
		}
		for i := range v.kids {
			if e := schTypeCheckOpt(&v.kids[i].val, f.elem); e != nil {
				return e
			}
		}
	case stValueStruct, stFieldStruct:
		switch v.kind {
		case jvBool, jvNumber, jvString:
			if f.typ == stValueStruct {
				return typeErr("Unexpected value type in payload")
			}
			return typeErr(msgUnexpectedField)
		case jvArray:
			return typeErr("Unrecognized collection type class com.amazonaws.dynamodb.v20120810." + f.sub)
		}
		return schTypeCheckStruct(v, f.fields)
	}
	return nil
}

func schTypeCheckOpt(v *jv, f *schField) *Error {
	if v.kind == jvNull {
		return nil
	}
	return schTypeCheck(v, f)
}

// canonicalBase64 reports whether s is padded standard base64 in the one
// form an encoder produces (what Buffer round-tripping accepts), without
// allocating.
func canonicalBase64(s string) bool {
	n := len(s)
	if n%4 != 0 {
		return false
	}
	if n == 0 {
		return true
	}
	pad := 0
	if s[n-1] == '=' {
		pad++
		if s[n-2] == '=' {
			pad++
		}
	}
	for i := 0; i < n-pad; i++ {
		if b64Index(s[i]) < 0 {
			return false
		}
	}
	last := b64Index(s[n-pad-1])
	switch pad {
	case 1:
		return last&0x3 == 0
	case 2:
		return last&0xf == 0
	}
	return true
}

func b64Index(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}

func decodeBase64(s string) string {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return ""
	}
	return string(b)
}

// --- constraint checks --------------------------------------------------

// schValidate runs the required-parameter and table name checks, then the
// constraints, over the top-level struct root.
func schValidate(root *jv, fields []*schField) *Error {
	for _, f := range fields {
		m := root.present(f.name)
		if f.required && m == nil {
			return validationError("The parameter '" + f.name + "' is required but was not present in the request")
		}
		if f.emptyFor != "" && m != nil && m.kind == jvObject && len(m.kids) == 0 {
			return validationError("The " + lowerFirst(f.name) + " parameter is required for " + f.emptyFor)
		}
	}
	var sv schValidator
	sv.structMembers(root, fields, "", "")
	if len(sv.errs) > 0 {
		var sb strings.Builder
		sb.WriteString(strconv.Itoa(len(sv.errs)))
		if len(sv.errs) == 1 {
			sb.WriteString(" validation error detected: ")
		} else {
			sb.WriteString(" validation errors detected: ")
		}
		for i, e := range sv.errs {
			if i > 0 {
				sb.WriteString("; ")
			}
			sb.WriteString(e)
		}
		return validationError(sb.String())
	}
	return nil
}

type schValidator struct {
	errs []string
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// structMembers checks each member of struct data (nil when absent).
//
// parent is the path of data in the lowerFirst form of constraint
// messages ("requestItems.t.member"), rawParent the same path with the
// members' own names ("RequestItems.t.member", for bare checks).
func (sv *schValidator) structMembers(data *jv, fields []*schField, parent, rawParent string) {
	for _, f := range fields {
		var m *jv
		if data != nil {
			m = data.present(f.name)
		}
		sv.member(f.name, m, f, parent, rawParent, data)
	}
}

// member checks one value (nil when absent or null) as checkNonRequired
// does: the constraints in order, then the children.
func (sv *schValidator) member(attrName string, data *jv, f *schField, parent, rawParent string, container *jv) {
	if f.attrValue {
		return
	}
	if data != nil && data.kind == jvNull {
		data = nil
	}
	for _, c := range f.checks {
		if len(sv.errs) >= 10 {
			return
		}
		if c.kind == ckNotNull {
			if data == nil && !(f.notNullUnless != "" && container.present(f.notNullUnless) != nil) {
				sv.fail(nil, f, parent, attrName, "Member must not be null")
			}
			continue
		}
		if data == nil {
			continue
		}
		if c.bare {
			if !checkOne(c, data, f) {
				sv.errs = append(sv.errs, "Value at '"+joinPath(rawParent, attrName)+"' failed to satisfy constraint: "+checkMsg(c))
			}
			continue
		}
		sv.check(c, data, f, parent, attrName)
	}
	if data == nil || (f.fields == nil && (f.elem == nil || !f.elem.hasChecks())) {
		return
	}
	if len(sv.errs) >= 10 {
		return
	}
	path := joinPath(parent, lowerFirst(attrName))
	rawPath := joinPath(rawParent, attrName)
	switch f.typ {
	case stList, stParamList:
		for i := range data.kids {
			n := strconv.Itoa(i + 1)
			sv.member("member", &data.kids[i].val, f.elem, path+"."+n, rawPath+"."+n, nil)
		}
	case stMap, stParamMap:
		for i := range data.kids {
			k := data.kids[i].key
			sv.member("member", &data.kids[i].val, f.elem, path+"."+k, rawPath+"."+k, nil)
		}
	default:
		sv.structMembers(data, f.fields, path, rawPath)
	}
}

// hasChecks reports whether checking f can produce anything.
func (f *schField) hasChecks() bool {
	if f.attrValue {
		return false
	}
	return len(f.checks) > 0 || f.fields != nil || (f.elem != nil && f.elem.hasChecks())
}

func (sv *schValidator) fail(data *jv, f *schField, parent, key, msg string) {
	value := "null"
	if data != nil {
		value = "'" + valueStr(data, f) + "'"
	}
	sv.errs = append(sv.errs, "Value "+value+" at '"+joinPath(parent, lowerFirst(key))+"' failed to satisfy constraint: "+msg)
}

// jvLength is dynalite's length: a map's key count, a list's or string's
// length.
func jvLength(v *jv) int {
	switch v.kind {
	case jvString:
		return attr.UTF16Len(v.str)
	case jvArray, jvObject:
		return len(v.kids)
	}
	return 0
}

// jvNum is the value of a number member of an Integer or Long field, floored
// as dynalite does.
func jvNum(v *jv, f *schField) float64 {
	n := jsNumber(v.str)
	if f != nil && (f.typ == stInteger || f.typ == stLong) {
		n = math.Floor(n)
	}
	return n
}

func fmtNum(n float64) string { return jsFormat(n) }

func isNameChars(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// checkOne reports whether data passes c.
func checkOne(c schCheck, data *jv, f *schField) bool {
	switch c.kind {
	case ckMin:
		return data.kind == jvNumber && jvNum(data, f) >= c.n
	case ckMax:
		return data.kind == jvNumber && jvNum(data, f) <= c.n
	case ckRegex:
		if c.skipEmpty && data.kind == jvString && data.str == "" {
			return true
		}
		return data.kind == jvString && isNameChars(data.str)
	case ckMinLen:
		return float64(jvLength(data)) >= c.n
	case ckMaxLen:
		return float64(jvLength(data)) <= c.n
	case ckEnum:
		if data.kind == jvString {
			for _, e := range c.enum {
				if e == data.str {
					return true
				}
			}
		}
		return false
	}
	return true
}

// checkMsg is c's constraint message.
func checkMsg(c schCheck) string {
	switch c.kind {
	case ckMin:
		return "Member must have value greater than or equal to " + fmtNum(c.n)
	case ckMax:
		return "Member must have value less than or equal to " + fmtNum(c.n)
	case ckRegex:
		return "Member must satisfy regular expression pattern: " + namePattern
	case ckMinLen:
		return "Member must have length greater than or equal to " + fmtNum(c.n)
	case ckMaxLen:
		return "Member must have length less than or equal to " + fmtNum(c.n)
	case ckEnum:
		return "Member must satisfy enum value set: [" + strings.Join(c.enum, ", ") + "]"
	}
	return ""
}

func (sv *schValidator) check(c schCheck, data *jv, f *schField, parent, key string) {
	switch c.kind {
	case ckKeys, ckValues:
		if data.kind != jvObject {
			return
		}
		rendered := ""
		for i := range data.kids {
			// dynalite does not stop at ten here; DynamoDB's validator
			// does, and stopping bounds the work for huge maps.
			if len(sv.errs) >= 10 {
				return
			}
			target := &jv{kind: jvString, str: data.kids[i].key}
			if c.kind == ckValues {
				target = &data.kids[i].val
			}
			failed := false
			for _, s := range c.sub {
				if target.kind == jvNull {
					// dynalite reads null's length and fails.
					failed = true
					break
				}
				if !checkOne(s, target, nil) {
					failed = true
					break
				}
			}
			if !failed {
				continue
			}
			msgs := make([]string, len(c.sub))
			for j, s := range c.sub {
				msgs[j] = checkMsg(s)
			}
			what := "Map keys must satisfy constraint: ["
			if c.kind == ckValues {
				what = "Map value must satisfy constraint: ["
			}
			if rendered == "" {
				// A map whose keys fail is printed as JSON (BatchGetItem
				// with a bad table name, recorded against DynamoDB 2026);
				// one whose values fail as a Java map.
				if c.kind == ckKeys {
					rendered = "'" + string(appendStringify(nil, data, f)) + "'"
				} else {
					rendered = "'" + valueStr(data, f) + "'"
				}
			}
			sv.errs = append(sv.errs, "Value "+rendered+" at '"+joinPath(parent, lowerFirst(key))+"' failed to satisfy constraint: "+what+strings.Join(msgs, ", ")+"]")
		}
		return
	}
	if !checkOne(c, data, f) {
		sv.fail(data, f, parent, key, checkMsg(c))
	}
}

// --- rendering values in messages ---------------------------------------

// valueStr renders a checked value as DynamoDB does in a constraint
// message: strings raw, lists as [a, b], structures and maps as Java's
// toString of them (javaValue), objects of unknown shape as JSON.
func valueStr(v *jv, f *schField) string {
	if v == nil || v.kind == jvNull {
		return "null"
	}
	switch v.kind {
	case jvArray:
		var sb strings.Builder
		sb.WriteByte('[')
		for i := range v.kids {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(valueStr(&v.kids[i].val, elemOf(f)))
		}
		sb.WriteByte(']')
		return sb.String()
	case jvObject:
		if f == nil {
			return string(appendStringify(nil, v, f))
		}
		return string(appendJava(nil, v, f))
	case jvString:
		if f != nil && f.typ == stBoolean {
			b, _ := jsBoolString(v.str)
			return strconv.FormatBool(b)
		}
		return v.str
	case jvNumber:
		return fmtNum(jvNum(v, f))
	case jvBool:
		return strconv.FormatBool(v.b)
	}
	return ""
}

func elemOf(f *schField) *schField {
	if f == nil {
		return nil
	}
	return f.elem
}

// appendStringify appends JSON.stringify of v as dynalite's checkTypes left
// it: struct members in schema order without unknown or null ones,
// Booleans converted, Integers and Longs floored.
func appendStringify(dst []byte, v *jv, f *schField) []byte {
	switch v.kind {
	case jvNull:
		return append(dst, "null"...)
	case jvBool:
		return strconv.AppendBool(dst, v.b)
	case jvNumber:
		n := jvNum(v, f)
		if math.IsInf(n, 0) || math.IsNaN(n) {
			return append(dst, "null"...)
		}
		return append(dst, fmtNum(n)...)
	case jvString:
		if f != nil && f.typ == stBoolean {
			b, _ := jsBoolString(v.str)
			return strconv.AppendBool(dst, b)
		}
		return appendJSONString(dst, v.str)
	case jvArray:
		dst = append(dst, '[')
		for i := range v.kids {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendStringify(dst, &v.kids[i].val, elemOf(f))
		}
		return append(dst, ']')
	}
	// Object.
	dst = append(dst, '{')
	first := true
	if f != nil && (f.typ == stValueStruct || f.typ == stFieldStruct) {
		for _, m := range f.fields {
			mv := v.present(m.name)
			if mv == nil {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendJSONString(dst, m.name)
			dst = append(dst, ':')
			dst = appendStringify(dst, mv, m)
		}
		return append(dst, '}')
	}
	for i := range v.kids {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendJSONString(dst, v.kids[i].key)
		dst = append(dst, ':')
		dst = appendStringify(dst, &v.kids[i].val, elemOf(f))
	}
	return append(dst, '}')
}

// javaMembers orders the members of a structure as DynamoDB's toString
// prints them where that differs from the schema's (validation) order, and
// adds the members DynamoDB prints that requests never carry.
var javaMembers = map[string][]string{
	"WriteRequest":  {"PutRequest", "DeleteRequest"},
	"PutRequest":    {"Item", "WorkloadProfileName"},
	"DeleteRequest": {"Key", "WorkloadProfileName"},
}

// appendJava appends v (of shape f) as the Java toString DynamoDB prints in
// constraint messages: a structure as Name(member=value, ...) with every
// member, null ones included (KeySchemaElement(attributeName=pk,
// keyType=HASH)); a map as {k=v, ...}; a list as [a, b]; an attribute
// value as its class name and an identity hash, which DynamoDB's changes
// from request to request (here a hash of the value). The forms were
// recorded against DynamoDB by a conformance suite of the AWS SDK for
// JavaScript (CreateTable with three key elements, BatchWriteItem over 25
// requests, 2026); the members of DeleteRequest are a guess by analogy with
// PutRequest's.
func appendJava(dst []byte, v *jv, f *schField) []byte {
	if v == nil || v.kind == jvNull {
		return append(dst, "null"...)
	}
	if f != nil && f.attrValue {
		h := uint32(2166136261)
		for _, b := range appendStringify(nil, v, f) {
			h = (h ^ uint32(b)) * 16777619
		}
		dst = append(dst, "com.amazonaws.dynamodb.v20120810.AttributeValue@"...)
		return strconv.AppendUint(dst, uint64(h), 16)
	}
	switch v.kind {
	case jvArray:
		dst = append(dst, '[')
		for i := range v.kids {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendJava(dst, &v.kids[i].val, elemOf(f))
		}
		return append(dst, ']')
	case jvObject:
	default:
		return append(dst, valueStr(v, f)...)
	}
	if f != nil && (f.typ == stValueStruct || f.typ == stFieldStruct) {
		dst = append(dst, f.sub...)
		dst = append(dst, '(')
		names := javaMembers[f.sub]
		if names == nil {
			names = make([]string, len(f.fields))
			for i, m := range f.fields {
				names[i] = m.name
			}
		}
		for i, name := range names {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, lowerFirst(name)...)
			dst = append(dst, '=')
			var mf *schField
			for _, m := range f.fields {
				if m.name == name {
					mf = m
				}
			}
			if mf == nil {
				dst = append(dst, "null"...)
				continue
			}
			dst = appendJava(dst, v.present(name), mf)
		}
		return append(dst, ')')
	}
	dst = append(dst, '{')
	for i := range v.kids {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, v.kids[i].key...)
		dst = append(dst, '=')
		dst = appendJava(dst, &v.kids[i].val, elemOf(f))
	}
	return append(dst, '}')
}
