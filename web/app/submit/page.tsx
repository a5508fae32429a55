import type { Metadata } from "next";
import { publicServerPort } from "@/lib/api";
import { SubmitForms } from "./submit-forms";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Submit an agent" };

export default function SubmitPage() {
  return (
    <>
      <section className="hero">
        <h1>Submit an agent</h1>
        <p>
          Sign up for an API key, then upload a checkpoint folder as <code>league train</code> writes it (
          <code>agent.json</code>, <code>model.json</code> and the weights). The league checks it, plays it
          against a copy of itself, then gives it placement games on the ladder.
        </p>
      </section>
      <SubmitForms serverPort={publicServerPort()} />
    </>
  );
}
