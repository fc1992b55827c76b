// One typed call per service against the TypeScript types generated from openapi/*.json
// (`cargo xtask openapi`). `cargo xtask test` compiles this file with `tsc --strict --noEmit`:
// a schema that generators cannot use (an empty object type, a body documented with another
// operation's schema) breaks the build here before it breaks a client.
import type { paths as Directory } from "../openapi/directory";
import type { paths as Case } from "../openapi/case";
import type { paths as Committee } from "../openapi/committee";
import type { paths as Dialogue } from "../openapi/dialogue";
import type { paths as Training } from "../openapi/training";

type Json<R> = R extends { content: { "application/json": infer B } } ? B : never;
type Ok<O> = O extends { responses: { 200: infer R } } ? Json<R> : never;
type PathParams<O> = O extends { parameters: { path: infer P } } ? P : Record<string, never>;
type Body<O> = O extends { requestBody: { content: { "application/json": infer B } } } ? B : never;

function url(base: string, template: string, params: unknown): string {
  const values = params as Record<string, string | number>;
  return base + template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(values[name])));
}

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) {
    throw new Error(`${response.status} ${response.statusText}`);
  }
  return (await response.json()) as T;
}

async function get<Paths, P extends keyof Paths & string>(
  base: string,
  token: string,
  path: P,
  params: PathParams<Paths[P] extends { get: infer O } ? O : never>,
): Promise<Ok<Paths[P] extends { get: infer O } ? O : never>> {
  const response = await fetch(url(base, path, params), {
    headers: { Authorization: `Bearer ${token}` },
  });
  return json(response);
}

async function post<Paths, P extends keyof Paths & string>(
  base: string,
  token: string,
  path: P,
  params: PathParams<Paths[P] extends { post: infer O } ? O : never>,
  body: Body<Paths[P] extends { post: infer O } ? O : never>,
  ifMatch: string,
): Promise<Ok<Paths[P] extends { post: infer O } ? O : never>> {
  const response = await fetch(url(base, path, params), {
    method: "POST",
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/json",
      "If-Match": ifMatch,
    },
    body: JSON.stringify(body),
  });
  return json(response);
}

export async function organizationName(token: string, id: string): Promise<string> {
  const organization = await get<Directory, "/v1/organizations/{id}">(
    "http://127.0.0.1:8081", token, "/v1/organizations/{id}", { id });
  return organization.name;
}

export async function documentFields(token: string, id: string, documentId: string): Promise<string[]> {
  const document = await get<Case, "/v1/cases/{id}/documents/{document_id}">(
    "http://127.0.0.1:8082", token, "/v1/cases/{id}/documents/{document_id}", { id, document_id: documentId });
  // Free-form JSON: any object, or null once erased.
  return document.content == null ? [] : Object.keys(document.content);
}

export async function markHeld(token: string, id: string, etag: string): Promise<string> {
  const meeting = await post<Committee, "/v1/meetings/{id}/transitions">(
    "http://127.0.0.1:8083", token, "/v1/meetings/{id}/transitions", { id }, { transition: "mark_held" }, etag);
  return meeting.state;
}

export async function dialogueReady(token: string): Promise<boolean> {
  const report = await get<Dialogue, "/health/ready">("http://127.0.0.1:8084", token, "/health/ready", {});
  return report.status === "ready";
}

export async function trainingReady(token: string): Promise<boolean> {
  const report = await get<Training, "/health/ready">("http://127.0.0.1:8085", token, "/health/ready", {});
  return report.status === "ready";
}
