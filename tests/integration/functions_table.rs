//! Table-driven tests for the function library of issue 3 (strings, collections,
//! conversions, math, URI parsing, JSON manipulation, workflow functions): every function
//! has cases that succeed and cases that fail, and a test checks that none is left out.

use std::collections::BTreeMap;

use flowexpr::functions::{self, Category};
use flowexpr::{Engine, RunContext};
use serde_json::{json, Value as Json};

/// What a case expects.
enum Want {
    /// This value (compared as JSON, so `5` and `5.0` differ).
    Ok(Json),
    /// An error whose message holds this text, with the full run context.
    Err(&'static str),
    /// An error whose message holds this text, with an empty run context.
    ErrEmpty(&'static str),
}

use Want::{Err, ErrEmpty, Ok};

/// The run context of the workflow cases.
const CONTEXT: &str = r#"{
    "parameters": {"firstName": "Sophia", "InvalidOrderIds": "17,42"},
    "variables": {"pageNumber": 3},
    "appsettings": {"httpuri": "https://example.com"},
    "trigger": {
        "callbackUrl": "http://localhost:7071/api/trigger",
        "outputs": {
            "headers": {"Content-Type": "multipart/form-data; boundary=XyZ"},
            "body": {"$content-type": "multipart/form-data; boundary=XyZ", "$content": "LS1YeVoNCkNvbnRlbnQtRGlzcG9zaXRpb246IGZvcm0tZGF0YTsgbmFtZT0iYSINCg0KYWxwaGENCi0tWHlaDQpDb250ZW50LURpc3Bvc2l0aW9uOiBmb3JtLWRhdGE7IG5hbWU9ImEiDQoNCmJldGENCi0tWHlaDQpDb250ZW50LURpc3Bvc2l0aW9uOiBmb3JtLWRhdGE7IG5hbWU9ImYiOyBmaWxlbmFtZT0iZi5iaW4iDQpDb250ZW50LVR5cGU6IGFwcGxpY2F0aW9uL29jdGV0LXN0cmVhbQ0KDQoAAf8NCi0tWHlaLS0NCg=="}
        }
    },
    "actions": {
        "Get_user": {"status": "Succeeded", "outputs": {"statusCode": 200, "headers": {"x": "1"}, "body": {"name": "Ann"}}},
        "Send_an_email": {"outputs": {"body": {"$content-type": "application/x-www-form-urlencoded", "$formdata": [
            {"key": "Subject", "value": "Hello world"}, {"key": "To", "value": "a@x"}, {"key": "To", "value": "b@x"}]}}},
        "Upload": {"outputs": {"body": {"$content-type": "multipart/form-data", "$multipart": [
            {"headers": {"Content-Disposition": "form-data; name=\"file\"; filename=\"a.txt\""}, "body": "first part"},
            {"headers": {"Content-Disposition": "form-data; name=meta"}, "body": {"k": 1}}]}}},
        "Form_post": {"outputs": {"headers": {"Content-Type": "application/x-www-form-urlencoded"},
            "body": "feedUrl=https%3A%2F%2Fx.example%2Frss&tag=a&tag=b+c"}},
        "Step": {"status": "Failed", "code": "BadRequest", "parent": "Try"}
    },
    "items": {"For_each": {"id": 1}},
    "iterationIndexes": {"Until": 2},
    "action": {"name": "Poll", "status": "Running", "callbackUrl": "http://localhost:7071/api/callback"},
    "workflow": {"name": "wf", "run": {"name": "r1"}}
}"#;

#[rustfmt::skip]
fn cases() -> Vec<(&'static str, &'static str, Want)> {
    vec![
        // ---- strings
        ("concat", "concat('a', 1, null, true, 2.5)", Ok(json!("a1True2.5"))),
        ("concat", "concat('x', createArray(1, 'b'), json('{\"k\":5.0}'))", Ok(json!("x[1,\"b\"]{\"k\":5.0}"))),
        ("concat", "concat(binary('hé'), dataUriToBinary('data:text/plain;charset=iso-8859-1;base64,6Q=='))", Ok(json!("héé"))),
        ("concat", "concat()", Err("expects at least one parameter")),
        ("concat", "concat('a', dataUriToBinary('data:text/plain;base64;charset=ascii,dGVzdA=='))", Err("without a value")),
        ("endsWith", "endsWith('hello world', 'WORLD')", Ok(json!(true))),
        ("endsWith", "endsWith('abc', '')", Ok(json!(true))),
        ("endsWith", "endsWith('ab', 'abc')", Ok(json!(false))),
        ("endsWith", "endsWith('a😀', '😀')", Ok(json!(true))),
        ("endsWith", "endsWith(1, 'a')", Err("first parameter to be of type string")),
        ("guid", "length(guid())", Ok(json!(36))),
        ("guid", "length(guid('N'))", Ok(json!(32))),
        ("guid", "guid('Q')", Err("formats 'N', 'D', 'B', 'P' or 'X'")),
        ("indexOf", "indexOf('hello world', 'World')", Ok(json!(6))),
        ("indexOf", "indexOf('abc', '')", Ok(json!(0))),
        ("indexOf", "indexOf('😀x', 'X')", Ok(json!(2))),
        ("indexOf", "indexOf('ÉCOLE école', 'école')", Ok(json!(0))),
        ("indexOf", "indexOf('abc', 'd')", Ok(json!(-1))),
        ("indexOf", "indexOf('abc')", Err("expects two parameters")),
        ("indexOf", "indexOf(null, 'a')", Err("first parameter to be of type string")),
        ("lastIndexOf", "lastIndexOf('hello world hello world', 'WORLD')", Ok(json!(18))),
        ("lastIndexOf", "lastIndexOf('abc', '')", Ok(json!(2))),
        ("lastIndexOf", "lastIndexOf('', '')", Ok(json!(0))),
        ("lastIndexOf", "lastIndexOf('', 'a')", Ok(json!(-1))),
        ("lastIndexOf", "lastIndexOf('a', 1)", Err("second parameter to be of type string")),
        ("nthIndexOf", "nthIndexOf('123456789123465789', '1', 2)", Ok(json!(9))),
        ("nthIndexOf", "nthIndexOf('123456789123465789', '1', -2)", Ok(json!(0))),
        ("nthIndexOf", "nthIndexOf('123456789123465789', '6', 4)", Ok(json!(-1))),
        ("nthIndexOf", "nthIndexOf('Hello HELLO', 'hello', 2)", Ok(json!(6))),
        ("nthIndexOf", "nthIndexOf('abc', 'a', 0)", Err("non-zero integer")),
        ("nthIndexOf", "nthIndexOf('abc', 'a', 'x')", Err("third parameter to be an integer")),
        ("replace", "replace('the old string', 'old', 'new')", Ok(json!("the new string"))),
        ("replace", "replace('aaa', 'a', 'bb')", Ok(json!("bbbbbb"))),
        ("replace", "replace('abc', 'B', 'x')", Ok(json!("abc"))),
        ("replace", "replace('abc', '', 'x')", Err("String cannot be of zero length. (Parameter 'oldValue')")),
        ("replace", "replace('abc', 1, 'x')", Err("second parameter to be of type string")),
        ("slice", "slice('Hello World', 3, -1)", Ok(json!("lo Worl"))),
        ("slice", "slice('😀ab', 2)", Ok(json!("ab"))),
        ("slice", "slice('abc', -10, 2)", Ok(json!("ab"))),
        ("slice", "slice('abc', 2, 1)", Ok(json!(""))),
        ("slice", "slice('abc', 'x')", Err("second parameter to be an integer")),
        ("slice", "slice(1, 1)", Err("first parameter to be of type string")),
        ("split", "split('a_b_c', '_')", Ok(json!(["a", "b", "c"]))),
        ("split", "split('a,,b,', ',')", Ok(json!(["a", "", "b", ""]))),
        ("split", "split('abc', '')", Ok(json!(["abc"]))),
        ("split", "split('aXbxc', 'x')", Ok(json!(["aXb", "c"]))),
        ("split", "split('a', null)", Err("second parameter to be of type string")),
        ("startsWith", "startsWith('hello world', 'HELLO')", Ok(json!(true))),
        ("startsWith", "startsWith('', '')", Ok(json!(true))),
        ("startsWith", "startsWith('hello', 'help')", Ok(json!(false))),
        ("startsWith", "startsWith('a', createArray('a'))", Err("second parameter to be of type string")),
        ("substring", "substring('hello world', 6, 5)", Ok(json!("world"))),
        ("substring", "substring('hello', 5)", Ok(json!(""))),
        ("substring", "substring('😀ab', 2, 1)", Ok(json!("a"))),
        ("substring", "substring('hello', 6)", Err("parameters are out of range")),
        ("substring", "substring('hello', 2, 4)", Err("their sum must be no larger than the length of the string")),
        ("toLower", "toLower('ÀÉÎ İ HELLO')", Ok(json!("àéî İ hello"))),
        ("toLower", "toLower(1)", Err("expects its parameter to be a string")),
        ("toUpper", "toUpper('straße ı hello')", Ok(json!("STRAßE ı HELLO"))),
        ("toUpper", "toUpper(null)", Err("expects its parameter to be a string")),
        ("trim", "trim(' a b  ')", Ok(json!("a b"))),
        ("trim", "trim('\u{a0}x\u{2003}\u{3000}')", Ok(json!("x"))),
        ("trim", "trim(binary(' x '))", Err("are not valid")),
        ("trim", "trim(1)", Err("are not valid")),

        // ---- collections
        ("chunk", "chunk('abcdefgh', 3)", Ok(json!(["abc", "def", "gh"]))),
        ("chunk", "chunk(createArray(1, 2, 3), 2)", Ok(json!([[1, 2], [3]]))),
        ("chunk", "chunk('abc', 0)", Err("positive integer")),
        ("contains", "contains('hello world', 'world')", Ok(json!(true))),
        ("contains", "contains(createArray(1, 2), 2.0)", Ok(json!(true))),
        ("contains", "contains(json('{\"a\": 1}'), 'A')", Ok(json!(false))),
        ("contains", "contains(1, 1)", Err("a dictionary, an array or a string")),
        ("empty", "empty(json('[]'))", Ok(json!(true))),
        ("empty", "empty('x')", Ok(json!(false))),
        ("empty", "empty(1)", Err("expects its parameter to be an object, an array or a string")),
        ("first", "first('hello')", Ok(json!("h"))),
        ("first", "first(createArray(0, 1, 2))", Ok(json!(0))),
        ("first", "first(json('[]'))", Ok(json!(null))),
        ("first", "first('')", Ok(json!(""))),
        ("first", "first(1)", Err("expects its parameter to be an array or a string")),
        ("intersection", "intersection(createArray(1, 2, 3), createArray(101, 2, 1, 10), createArray(6, 8, 1, 2))", Ok(json!([1, 2]))),
        ("intersection", "intersection(createArray(1, 1.0, true), createArray(1.0))", Ok(json!([1.0]))),
        ("intersection", "intersection(json('{\"a\": 1, \"b\": [1]}'), json('{\"b\": [1], \"a\": 2}'))", Ok(json!({"b": [1]}))),
        ("intersection", "intersection(createArray(1), json('{}'))", Err("expects parameters of same type")),
        ("intersection", "intersection('a', 'b')", Err("first parameter to be an array or an object")),
        ("intersection", "intersection(createArray(1))", Err("expects at least two parameters")),
        ("join", "join(createArray('a', 'b', 'c'), '.')", Ok(json!("a.b.c"))),
        ("join", "join(createArray(null, 1, true, createArray(2)), '-')", Ok(json!("-1-True-[2]"))),
        ("join", "join(json('[]'), ',')", Ok(json!(""))),
        ("join", "join('abc', ',')", Err("first parameter to be an array")),
        ("join", "join(createArray('a'), null)", Err("second parameter to be of type string")),
        ("last", "last('abcd')", Ok(json!("d"))),
        ("last", "last(createArray(0, 1, 2, 3))", Ok(json!(3))),
        ("last", "last(json('[]'))", Ok(json!(null))),
        ("last", "last(json('{}'))", Err("expects its parameter to be an array or a string")),
        ("length", "length('a😀')", Ok(json!(3))),
        ("length", "length(createArray(1, 2))", Ok(json!(2))),
        ("length", "length(null)", Err("expects its parameter to be an array or a string. The provided value is of type 'Null'.")),
        ("reverse", "reverse(createArray(0, 1, 2, 3))", Ok(json!([3, 2, 1, 0]))),
        ("reverse", "reverse(json('[]'))", Ok(json!([]))),
        ("reverse", "reverse('abc')", Err("expects its parameter to be an array")),
        ("skip", "skip(createArray(0, 1, 2, 3), 1)", Ok(json!([1, 2, 3]))),
        ("skip", "skip(createArray(0, 1), 5)", Ok(json!([]))),
        ("skip", "skip('abcdef', 4)", Ok(json!("ef"))),
        ("skip", "skip(createArray(1), -1)", Err("second parameter to be a positive integer")),
        ("skip", "skip(1, 1)", Err("first parameter to be an array or a string")),
        ("sort", "sort(createArray(2, 1, 0, 3))", Ok(json!([0, 1, 2, 3]))),
        ("sort", "sort(createArray(3, 1.5, 2))", Ok(json!([1.5, 2, 3]))),
        ("sort", "sort(createArray('b', 'B', 'a'))", Ok(json!(["B", "a", "b"]))),
        ("sort", "sort(createArray(true, false))", Ok(json!([false, true]))),
        ("sort", "sort(createArray(json('{\"n\": \"x\", \"k\": 2}'), json('{\"n\": \"y\", \"k\": 1}')), 'k')", Ok(json!([{"n": "y", "k": 1}, {"n": "x", "k": 2}]))),
        ("sort", "sort(createArray(1, 'a'))", Err("to be of one type")),
        ("sort", "sort(createArray(null))", Err("can only sort integers, floats, strings and booleans")),
        ("sort", "sort(createArray(json('{\"k\": 1}'), json('{}')), 'k')", Err("has no such property")),
        ("sort", "sort(createArray(1, 2), 'k')", Err("array of objects")),
        ("take", "take('abcde', 3)", Ok(json!("abc"))),
        ("take", "take(createArray(0, 1, 2, 3, 4), 3)", Ok(json!([0, 1, 2]))),
        ("take", "take('ab', 10)", Ok(json!("ab"))),
        ("take", "take(json('[1]'), -1)", Err("second parameter to be a positive integer")),
        ("take", "take(1, 1)", Err("first parameter to be an array or a string")),
        ("union", "union(createArray(1, 2, 3), createArray(1, 2, 10, 101))", Ok(json!([1, 2, 3, 10, 101]))),
        ("union", "union(json('{\"a\": 1, \"b\": 2}'), json('{\"b\": 3, \"c\": 4}'))", Ok(json!({"a": 1, "b": 3, "c": 4}))),
        ("union", "union(createArray(json('{\"a\": [1]}'), json('{\"a\": [1]}')), json('[]'))", Ok(json!([{"a": [1]}]))),
        ("union", "union(json('{}'), json('[]'))", Err("expects parameters of same type")),

        // ---- conversions
        ("array", "array('hello')", Ok(json!(["hello"]))),
        ("array", "array(null)", Ok(json!([null]))),
        ("array", "array(1, 2)", Err("expects one parameter")),
        ("base64", "base64('hello')", Ok(json!("aGVsbG8="))),
        ("base64", "base64('é')", Ok(json!("w6k="))),
        ("base64", "base64(binary('hi'))", Ok(json!("aGk="))),
        ("base64", "base64(1)", Ok(json!("MQ=="))),
        ("base64", "base64()", Err("expects one parameter")),
        ("base64ToBinary", "base64ToBinary('aGk=')", Ok(json!({"$content-type": "application/octet-stream", "$content": "aGk="}))),
        ("base64ToBinary", "base64ToBinary(dataUriToBinary('data:text/plain,hi'))", Ok(json!({"$content-type": "application/octet-stream", "$content": "aGk="}))),
        ("base64ToBinary", "base64ToBinary('aa')", Err("cannot be decoded from base64")),
        ("base64ToBinary", "base64ToBinary(1)", Err("expects its parameter to be a string")),
        ("base64ToString", "base64ToString('aGVsbG8=')", Ok(json!("hello"))),
        ("base64ToString", "base64ToString(binary('aGk='))", Ok(json!("aGk="))),
        ("base64ToString", "base64ToString('%%%')", Err("cannot be decoded from base64")),
        ("binary", "binary('hé')", Ok(json!({"$content-type": "application/octet-stream", "$content": "aMOp"}))),
        ("binary", "binary(json('{\"hello\": \"world\"}'))", Ok(json!({"$content-type": "application/octet-stream", "$content": "eyJoZWxsbyI6IndvcmxkIn0="}))),
        ("binary", "binary(dataUriToBinary('data:text/plain,hi'))", Ok(json!({"$content-type": "application/octet-stream", "$content": "aGk="}))),
        ("binary", "binary(null)", Err("not null")),
        ("bool", "bool('True')", Ok(json!(true))),
        ("bool", "bool(0)", Ok(json!(false))),
        ("bool", "bool('x')", Err("cannot be converted")),
        ("createArray", "createArray('a', 1)", Ok(json!(["a", 1]))),
        ("createArray", "createArray()", Err("at least one parameter")),
        ("dataUri", "dataUri('hello')", Ok(json!("data:text/plain;charset=utf-8;base64,aGVsbG8="))),
        ("dataUri", "dataUri(binary('hi'))", Ok(json!("data:application/octet-stream;base64,aGk="))),
        ("dataUri", "dataUri(createArray(1))", Ok(json!("data:application/json;charset=utf-8;base64,WzFd"))),
        ("dataUri", "dataUri(null)", Err("not null")),
        ("dataUriToBinary", "dataUriToBinary('data:text/plain;charset=utf-8;base64,aGVsbG8=')", Ok(json!({"$content-type": "text/plain;charset=utf-8", "$content": "aGVsbG8="}))),
        ("dataUriToBinary", "dataUriToBinary('data:,a+b%21')", Ok(json!({"$content-type": "text/plain", "$content": "YSBiIQ=="}))),
        ("dataUriToBinary", "dataUriToBinary('data:;base64,aGVsbG8g+d29ybGQ=')", Ok(json!({"$content-type": "text/plain", "$content": "aGVsbG8g+d29ybGQ="}))),
        ("dataUriToBinary", "dataUriToBinary('data:badmime,x')", Err("is not a media type")),
        ("dataUriToBinary", "dataUriToBinary('data:text/plain;charset=martian,x')", Err("'martian' is not a supported charset")),
        ("dataUriToBinary", "dataUriToBinary('data:text/plain;a=b=c,x')", Err("is malformed")),
        ("dataUriToBinary", "dataUriToBinary('hello')", Err("not a valid data URI")),
        ("dataUriToString", "dataUriToString('data:text/plain;charset=utf-8;base64,aGVsbG8=')", Ok(json!("hello"))),
        ("dataUriToString", "dataUriToString('data:,a+b%21')", Ok(json!("a b!"))),
        ("dataUriToString", "dataUriToString('data:text/plain;charset=iso-8859-1;base64,6Q==')", Ok(json!("é"))),
        ("dataUriToString", "dataUriToString('data:badmime,x')", Ok(json!("x"))),
        ("dataUriToString", "dataUriToString('data:text/plain;charset=nope,x')", Err("'nope' is not a supported charset")),
        ("dataUriToString", "dataUriToString('data:text/plain;base64,%%')", Err("not a valid data URI")),
        ("dataUriToString", "dataUriToString(1)", Err("expects its parameter to be a string")),
        ("decodeBase64", "decodeBase64('aGVsbG8=')", Ok(json!("hello"))),
        ("decodeBase64", "decodeBase64('a')", Err("cannot be decoded from base64")),
        ("decodeDataUri", "decodeDataUri('data:text/plain;charset=utf-8;base64,aGVsbG8=')", Ok(json!({"$content-type": "text/plain;charset=utf-8", "$content": "aGVsbG8="}))),
        ("decodeDataUri", "decodeDataUri('data:;;base64,aGk=')", Err("is not a media type")),
        ("decodeUriComponent", "decodeUriComponent('https%3A%2F%2Fcontoso.com')", Ok(json!("https://contoso.com"))),
        ("decodeUriComponent", "decodeUriComponent('a%20b+c%zz%C3%A9%FF')", Ok(json!("a b+c%zzé%FF"))),
        ("decodeUriComponent", "decodeUriComponent(1)", Err("expects its parameter to be a string")),
        ("encodeUriComponent", "encodeUriComponent('https://contoso.com')", Ok(json!("https%3A%2F%2Fcontoso.com"))),
        ("encodeUriComponent", "encodeUriComponent('a b/é~-_.!*')", Ok(json!("a%20b%2F%C3%A9~-_.%21%2A"))),
        ("encodeUriComponent", "encodeUriComponent(1)", Ok(json!("1"))),
        ("encodeUriComponent", "encodeUriComponent()", Err("expects at least one parameter")),
        ("encodeUriComponent", "encodeUriComponent('workflows/', 'my flow', '/runs')", Ok(json!("workflows%2Fmy%20flow%2Fruns"))),
        ("json", "json('{\"a\": [1, 2.5]}')", Ok(json!({"a": [1, 2.5]}))),
        ("json", "json(binary('[1]'))", Ok(json!([1]))),
        ("json", "json(null)", Ok(json!({}))),
        ("json", "json('{')", Err("cannot be parsed")),
        ("json", "json(1)", Err("a string or XML")),
        ("string", "string(10)", Ok(json!("10"))),
        ("string", "string(binary('hé'))", Ok(json!("hé"))),
        ("string", "string(dataUriToBinary('data:text/plain;charset=iso-8859-1;base64,6Q=='))", Ok(json!("é"))),
        ("string", "string(json('{\"a\": 5.0}'))", Ok(json!("{\"a\":5.0}"))),
        ("string", "string(dataUriToBinary('data:text/plain;base64;charset=ascii,dGVzdA=='))", Err("without a value")),
        ("uriComponent", "uriComponent('https://contoso.com')", Ok(json!("https%3A%2F%2Fcontoso.com"))),
        ("uriComponent", "uriComponent(binary('a b'))", Ok(json!("a%20b"))),
        ("uriComponent", "uriComponent('a', 'b')", Err("expects one parameter")),
        ("uriComponentToBinary", "uriComponentToBinary('https%3A%2F%2Fcontoso.com')", Ok(json!({"$content-type": "application/octet-stream", "$content": "aHR0cHM6Ly9jb250b3NvLmNvbQ=="}))),
        ("uriComponentToBinary", "uriComponentToBinary(null)", Err("expects its parameter to be a string")),
        ("uriComponentToString", "uriComponentToString('https%3A%2F%2Fcontoso.com')", Ok(json!("https://contoso.com"))),
        ("uriComponentToString", "uriComponentToString(1)", Err("expects its parameter to be a string")),

        // ---- math
        ("add", "add(1, 1.5)", Ok(json!(2.5))),
        ("add", "add(9223372036854775807, 1)", Err("64-bit integer")),
        ("div", "div(11, 5)", Ok(json!(2))),
        ("div", "div(1, 0)", Err("divide by zero")),
        ("max", "max(createArray(1, 2.5, 2))", Ok(json!(2.5))),
        ("max", "max(1, 'a')", Err("type 'String'")),
        ("min", "min(3, 1, 2)", Ok(json!(1))),
        ("min", "min(json('[]'))", Err("empty")),
        ("mod", "mod(-5, 2)", Ok(json!(-1))),
        ("mod", "mod(5, 0)", Err("divide by zero")),
        ("mul", "mul(1.5, 2)", Ok(json!(3.0))),
        ("mul", "mul(4294967296, 4294967296)", Err("64-bit integer")),
        ("rand", "rand(1, 2)", Ok(json!(1))),
        ("rand", "rand(2, 2)", Err("less than")),
        ("range", "range(1, 3)", Ok(json!([1, 2, 3]))),
        ("range", "range(1, 100001)", Err("count")),
        ("sub", "sub(1, 3)", Ok(json!(-2))),
        ("sub", "sub(-9223372036854775808, 1)", Err("64-bit integer")),

        // ---- URI parsing
        ("uriHost", "uriHost('https://www.localhost.com:8080')", Ok(json!("www.localhost.com"))),
        ("uriHost", "uriHost('HTTP://User@Example.COM/x')", Ok(json!("example.com"))),
        ("uriHost", "uriHost('www.contoso.com')", Err("not a well-formed absolute URI")),
        ("uriPath", "uriPath('https://www.contoso.com/catalog/shownew.htm?date=today')", Ok(json!("/catalog/shownew.htm"))),
        ("uriPath", "uriPath('https://www.contoso.com')", Ok(json!("/"))),
        ("uriPath", "uriPath('http://x/a b/../c')", Ok(json!("/c"))),
        ("uriPath", "uriPath('/relative')", Err("not a well-formed absolute URI")),
        ("uriPathAndQuery", "uriPathAndQuery('https://www.contoso.com/catalog/shownew.htm?date=today#top')", Ok(json!("/catalog/shownew.htm?date=today"))),
        ("uriPathAndQuery", "uriPathAndQuery('https://www.contoso.com')", Ok(json!("/"))),
        ("uriPathAndQuery", "uriPathAndQuery(1)", Err("expects its parameter to be a string")),
        ("uriPort", "uriPort('https://www.localhost:8080')", Ok(json!(8080))),
        ("uriPort", "uriPort('https://www.contoso.com')", Ok(json!(443))),
        ("uriPort", "uriPort('ftp://files.example.org')", Ok(json!(21))),
        ("uriPort", "uriPort('custom://host')", Ok(json!(-1))),
        ("uriPort", "uriPort('http://x:99999')", Err("not a well-formed absolute URI")),
        ("uriQuery", "uriQuery('https://www.contoso.com/catalog/shownew.htm?date=today')", Ok(json!("?date=today"))),
        ("uriQuery", "uriQuery('https://www.contoso.com/')", Ok(json!(""))),
        ("uriQuery", "uriQuery('nope')", Err("not a well-formed absolute URI")),
        ("uriScheme", "uriScheme('HTTPS://www.contoso.com')", Ok(json!("https"))),
        ("uriScheme", "uriScheme('')", Err("not a well-formed absolute URI")),

        // ---- JSON manipulation
        ("addProperty", "addProperty(json('{\"a\": 1}'), 'b', 2)", Ok(json!({"a": 1, "b": 2}))),
        ("addProperty", "addProperty(binary('test'), 'x', 1)", Ok(json!({"$content-type": "application/octet-stream", "$content": "dGVzdA==", "x": 1}))),
        ("addProperty", "addProperty(json('{\"A\": 1}'), 'a', 2)", Err("expects the property to not exist in the object. The property 'A' already exists.")),
        ("addProperty", "addProperty(null, 'x', 1)", Err("first parameter to be of type object")),
        ("addProperty", "addProperty(json('{}'), 1, 1)", Err("second parameter to be of type string")),
        ("coalesce", "coalesce(null, '', 'x')", Ok(json!(""))),
        ("coalesce", "coalesce(null, null)", Ok(json!(null))),
        ("coalesce", "coalesce('a', first(1))", Ok(json!("a"))),
        ("coalesce", "coalesce(null, first(1))", Err("array or a string")),
        ("coalesce", "coalesce()", Err("at least one parameter")),
        ("removeProperty", "removeProperty(json('{\"a\": 1, \"b\": 2}'), 'B')", Ok(json!({"a": 1}))),
        ("removeProperty", "removeProperty(json('{\"a\": 1, \"A\": 2}'), 'A')", Ok(json!({"a": 1}))),
        ("removeProperty", "removeProperty(json('{\"a\": 1}'), 'z')", Ok(json!({"a": 1}))),
        ("removeProperty", "removeProperty(createArray(1), 'a')", Err("first parameter to be of type object")),
        ("setProperty", "setProperty(json('{\"A\": 1, \"b\": 2}'), 'a', 3)", Ok(json!({"b": 2, "A": 3}))),
        ("setProperty", "setProperty(json('{\"a\": {\"b\": 1}}'), 'a', setProperty(json('{\"a\": {\"b\": 1}}')['a'], 'c', 2))", Ok(json!({"a": {"b": 1, "c": 2}}))),
        ("setProperty", "setProperty(json('{}'), json('[]'), 1)", Err("second parameter to be of type string")),
        ("setProperty", "setProperty('{}', 'x', 1)", Err("first parameter to be of type object")),

        // ---- workflow
        ("action", "action().name", Ok(json!("Poll"))),
        ("action", "action()", ErrEmpty("can only be used in an Until loop's condition")),
        ("actionBody", "actionBody('Get_user')", Ok(json!({"name": "Ann"}))),
        ("actionBody", "actionBody('Nope')", Err("The action 'Nope' is not defined")),
        ("actionOutputs", "actionOutputs('Get_user')['statusCode']", Ok(json!(200))),
        ("actionOutputs", "actionOutputs(1)", Err("of type string")),
        ("actions", "actions('Get user').status", Ok(json!("Succeeded"))),
        ("actions", "actions('Nope')", Err("The action 'Nope' is not defined")),
        ("agentParameters", "split(agentParameters('InvalidOrderIds'), ',')", Ok(json!(["17", "42"]))),
        ("agentParameters", "agentParameters('InvalidOrderIds')", ErrEmpty("The agent parameter 'InvalidOrderIds' is not set")),
        ("appsetting", "appsetting('httpuri')", Ok(json!("https://example.com"))),
        ("appsetting", "appsetting('nope')", Err("The app setting 'nope' is not found")),
        ("body", "body('Get_user')?['name']", Ok(json!("Ann"))),
        ("body", "body('Nope')", Err("is not defined")),
        ("formDataMultiValues", "formDataMultiValues('Send_an_email', 'To')", Ok(json!(["a@x", "b@x"]))),
        ("formDataMultiValues", "formDataMultiValues('Form_post', 'tag')", Ok(json!(["a", "b c"]))),
        ("formDataMultiValues", "formDataMultiValues('Send_an_email', 'Cc')", Ok(json!([]))),
        ("formDataMultiValues", "formDataMultiValues('Get_user', 'x')", Err("to be form data")),
        ("formDataValue", "formDataValue('Send_an_email', 'Subject')", Ok(json!("Hello world"))),
        ("formDataValue", "formDataValue('Form_post', 'feedUrl')", Ok(json!("https://x.example/rss"))),
        ("formDataValue", "formDataValue('Upload', 'meta')", Ok(json!({"k": 1}))),
        ("formDataValue", "formDataValue('Send_an_email', 'To')", Err("found 2 values for the key 'To'")),
        ("formDataValue", "formDataValue('Send_an_email', 'Cc')", Err("found no value for the key 'Cc'")),
        ("item", "item().id", Ok(json!(1))),
        ("item", "item()", ErrEmpty("can only be used inside a Foreach loop")),
        ("items", "items('For_each')?['id']", Ok(json!(1))),
        ("items", "items('Other')", Err("'Other' is not one")),
        ("iterationIndexes", "iterationIndexes('Until')", Ok(json!(2))),
        ("iterationIndexes", "iterationIndexes('Other')", Err("to name an enclosing Until loop")),
        ("listCallbackUrl", "listCallbackUrl()", Ok(json!("http://localhost:7071/api/callback"))),
        ("listCallbackUrl", "listCallbackUrl()", ErrEmpty("a local run has none")),
        ("multipartBody", "multipartBody('Upload', 0)", Ok(json!("first part"))),
        ("multipartBody", "multipartBody('Upload', 1)", Ok(json!({"k": 1}))),
        ("multipartBody", "multipartBody('Upload', 2)", Err("has 2 parts and the index is 2")),
        ("multipartBody", "multipartBody('Form_post', 0)", Err("to be multipart content")),
        ("outputs", "outputs('Get_user')['headers']['x']", Ok(json!("1"))),
        ("outputs", "outputs('Nope')", Err("is not defined")),
        ("parameters", "parameters('FIRSTNAME')", Ok(json!("Sophia"))),
        ("parameters", "parameters('nope')", Err("The workflow parameter 'nope' is not found")),
        ("result", "result('Try')", Ok(json!([{"status": "Failed", "code": "BadRequest", "parent": "Try", "name": "Step"}]))),
        ("result", "result('Nope')", Err("to name a Scope, Foreach or Until action")),
        ("trigger", "trigger().callbackUrl", Ok(json!("http://localhost:7071/api/trigger"))),
        ("trigger", "trigger(1)", Err("expects no parameters")),
        ("triggerBody", "triggerBody()['$content-type']", Ok(json!("multipart/form-data; boundary=XyZ"))),
        ("triggerBody", "triggerBody('x')", Err("expects no parameters")),
        ("triggerFormDataMultiValues", "triggerFormDataMultiValues('a')", Ok(json!(["alpha", "beta"]))),
        ("triggerFormDataMultiValues", "triggerFormDataMultiValues('a')", ErrEmpty("to be form data")),
        ("triggerFormDataValue", "triggerFormDataValue('f')", Ok(json!({"$content-type": "application/octet-stream", "$content": "AAH/"}))),
        ("triggerFormDataValue", "triggerFormDataValue('a')", Err("found 2 values for the key 'a'")),
        ("triggerMultipartBody", "triggerMultipartBody(1)", Ok(json!("beta"))),
        ("triggerMultipartBody", "triggerMultipartBody(3)", Err("has 3 parts and the index is 3")),
        ("triggerMultipartBody", "triggerMultipartBody(-1)", Err("the index is -1")),
        ("triggerOutputs", "triggerOutputs()['headers']['Content-Type']", Ok(json!("multipart/form-data; boundary=XyZ"))),
        ("triggerOutputs", "triggerOutputs(1)", Err("expects no parameters")),
        ("variables", "variables('pageNumber')", Ok(json!(3))),
        ("variables", "variables('nope')", Err("The variable 'nope' is not found")),
        ("workflow", "workflow().run.name", Ok(json!("r1"))),
        ("workflow", "workflow(1)", Err("expects no parameters")),
    ]
}

/// The functions this table covers: every function of the categories of issue 3, except
/// those that live with the numbers (int, float, decimal, isInt, isFloat, formatNumber)
/// and XML (xml, xpath) files.
fn covered_functions() -> Vec<&'static str> {
    const ELSEWHERE: [&str; 8] =
        ["int", "float", "decimal", "isInt", "isFloat", "formatNumber", "xml", "xpath"];
    functions::all()
        .filter(|f| !matches!(f.category, Category::Logical | Category::DateTime))
        .map(|f| f.name)
        .filter(|name| !ELSEWHERE.contains(name))
        .collect()
}

#[test]
fn every_case_gives_what_it_should() {
    let engine = Engine::new();
    let full = RunContext::from_json_str(CONTEXT).unwrap_or_else(|e| panic!("context: {e}"));
    let empty = RunContext::default();
    let mut failures = Vec::new();
    for (function, expr, want) in cases() {
        let ctx = if matches!(want, ErrEmpty(_)) { &empty } else { &full };
        let got = engine.eval(expr, ctx);
        let problem = match (&want, got) {
            (Ok(expected), std::result::Result::Ok(v)) => {
                let actual = v.to_json();
                (actual != *expected).then(|| format!("got {actual}, want {expected}"))
            }
            (Ok(_), std::result::Result::Err(e)) => Some(format!("error: {e}")),
            (Err(fragment) | ErrEmpty(fragment), std::result::Result::Err(e)) => {
                let message = e.to_string();
                (!message.contains(fragment)).then(|| format!("message lacks {fragment:?}: {message}"))
            }
            (Err(_) | ErrEmpty(_), std::result::Result::Ok(v)) => {
                Some(format!("expected an error, got {}", v.to_json()))
            }
        };
        if let Some(p) = problem {
            failures.push(format!("[{function}] {expr}: {p}"));
        }
    }
    assert!(failures.is_empty(), "{} failing cases:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_function_has_passing_and_failing_cases() {
    let mut seen: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (function, _, want) in cases() {
        let entry = seen.entry(function).or_default();
        match want {
            Ok(_) => entry.0 += 1,
            Err(_) | ErrEmpty(_) => entry.1 += 1,
        }
    }
    let mut missing = Vec::new();
    for name in covered_functions() {
        let Some(f) = functions::lookup(name) else { panic!("{name} is not registered") };
        assert!(f.is_implemented(), "{name} is not implemented");
        match seen.get(name) {
            Some((ok, err)) if *ok > 0 && *err > 0 => {}
            other => missing.push(format!("{name}: {other:?}")),
        }
    }
    assert!(missing.is_empty(), "functions without both kinds of case:\n{}", missing.join("\n"));
    for function in seen.keys() {
        assert!(functions::lookup(function).is_some(), "table names unknown function {function}");
    }
}

#[test]
fn errors_point_at_the_failing_call() {
    let e = Engine::new()
        .eval("concat('a', substring('hello', 9))", &RunContext::default())
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(e.contains("out of range"), "{e}");
    // The caret sits under the argument that is out of range.
    let caret_line = e.lines().last().unwrap_or("");
    let source_line = e.lines().rev().nth(1).unwrap_or("");
    let col = caret_line.find('^').unwrap_or(0);
    assert_eq!(source_line.get(col..col + 1), Some("9"), "{e}");
}
