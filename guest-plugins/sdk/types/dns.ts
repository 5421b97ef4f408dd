// DNS settings, as libcni's types.DNS: in a config ("dns") and in a result.
import { ObjectReader, JsonWriter } from "../json/index";

/** DNS settings, as libcni's types.DNS. */
export class Dns {
  /** Server addresses, in order of preference. */
  nameservers: string[] = [];
  /** The local domain ("" for none). */
  domain: string = "";
  /** Search domains, in order. */
  search: string[] = [];
  /** resolv.conf options ("ndots:5"). */
  options: string[] = [];

  /** True when no field is set; an empty DNS is left out of a result. */
  isEmpty(): bool {
    return this.nameservers.length == 0 && this.domain.length == 0 && this.search.length == 0 &&
      this.options.length == 0;
  }

  /** Reads a "dns" object; problems go to the reader's errors. */
  static read(r: ObjectReader): Dns {
    const d = new Dns();
    d.nameservers = r.optStrings("nameservers");
    d.domain = r.optString("domain");
    d.search = r.optStrings("search");
    d.options = r.optStrings("options");
    return d;
  }

  /** Writes the object, leaving out empty fields as Go's omitempty does. */
  write(w: JsonWriter): void {
    w.beginObject();
    writeStrings(w, "nameservers", this.nameservers);
    if (this.domain.length > 0) w.key("domain").string(this.domain);
    writeStrings(w, "search", this.search);
    writeStrings(w, "options", this.options);
    w.endObject();
  }
}

function writeStrings(w: JsonWriter, key: string, list: string[]): void {
  if (list.length == 0) return;
  w.key(key).beginArray();
  for (let i = 0; i < list.length; i++) w.string(list[i]);
  w.endArray();
}
