// Tests read many JSON bodies and assert their shape at run time; `any` keeps them readable.
interface Response {
  json(): Promise<any>;
}
