// The flat `<xml><field>value</field>…</xml>` documents WeChat Pay v2 speaks (values in CDATA).
import { XMLBuilder, XMLParser } from 'fast-xml-parser'

const parser = new XMLParser({
  // Values stay strings (bill numbers and amounts must not become floats) and are trimmed of nothing.
  parseTagValue: false,
  trimValues: false,
  ignoreAttributes: true,
  processEntities: true,
})
const builder = new XMLBuilder({ cdataPropName: '__cdata', format: false })

export class PayXmlError extends Error {}

/** `{a: '1'}` → `<xml><a><![CDATA[1]]></a></xml>`; undefined and '' fields are left out. */
export function buildPayXml(fields: Record<string, string | number | undefined>): string {
  const body: Record<string, { __cdata: string } | string> = {}
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === '')
      continue
    const text = String(value)
    // A `]]>` would end the CDATA section early: such a value goes as escaped text instead.
    body[key] = text.includes(']]>') ? text : { __cdata: text }
  }
  return builder.build({ xml: body }) as string
}

/** Parses a flat pay document into field → string; throws PayXmlError when it is not one. */
export function parsePayXml(text: string): Record<string, string> {
  let parsed: unknown
  try {
    parsed = parser.parse(text, true)
  }
  catch (error) {
    throw new PayXmlError(`not XML: ${error instanceof Error ? error.message : String(error)}`)
  }
  const root = (parsed as { xml?: unknown } | undefined)?.xml
  if (root === undefined || root === null || typeof root !== 'object')
    throw new PayXmlError('no <xml> root element')
  const fields: Record<string, string> = {}
  for (const [key, value] of Object.entries(root as Record<string, unknown>)) {
    if (typeof value === 'string' || typeof value === 'number')
      fields[key] = String(value)
    else if (value === '' || value === null)
      fields[key] = ''
    else
      throw new PayXmlError(`field ${key} is not a flat value`)
  }
  return fields
}
