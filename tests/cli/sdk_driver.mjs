// Drives pycodex through Codex's TypeScript SDK (@openai/codex-sdk), the way an application would.
//
// node sdk_driver.mjs SCENARIO '{"sdk": ".../dist/index.js", "codexPath": ..., "baseUrl": ..., "apiKey": ...,
//                                "env": {...}, "thread": {...ThreadOptions}, "prompt": ..., ...}'
// prints one JSON object on stdout: what the scenario saw. An "abort" scenario waits for a line on stdin before
// aborting (the test sends it once the model server has the turn's request).

import readline from "node:readline";

const [scenario, rawSpec] = process.argv.slice(2);
const spec = JSON.parse(rawSpec);
const { Codex } = await import(spec.sdk);

const codex = new Codex({
  codexPathOverride: spec.codexPath,
  baseUrl: spec.baseUrl,
  apiKey: spec.apiKey,
  env: spec.env,
  config: spec.config,
});

function errorInfo(error) {
  return { name: error?.name ?? null, message: String(error?.message ?? error) };
}

function waitForStdinLine() {
  const rl = readline.createInterface({ input: process.stdin });
  return new Promise((resolve) => rl.once("line", () => { rl.close(); resolve(); }));
}

async function main() {
  const thread = codex.startThread(spec.thread ?? {});
  switch (scenario) {
    case "run": {
      const turn = await thread.run(spec.prompt, spec.turn ?? {});
      return { threadId: thread.id, ...turn };
    }
    case "streamed": {
      const { events } = await thread.runStreamed(spec.prompt);
      const seen = [];
      for await (const event of events) seen.push(event);
      return { threadId: thread.id, events: seen };
    }
    case "images": {
      const input = [{ type: "text", text: spec.prompt }, ...spec.images.map((path) => ({ type: "local_image", path }))];
      const turn = await thread.run(input);
      return { threadId: thread.id, ...turn };
    }
    case "two_turns_then_resume": {
      const first = await thread.run(spec.prompt);
      const second = await thread.run(spec.second);
      const resumed = codex.resumeThread(thread.id, spec.thread ?? {});
      const input = [{ type: "text", text: spec.third }, ...(spec.images ?? []).map((path) => ({ type: "local_image", path }))];
      const third = await resumed.run(input, { outputSchema: spec.schema });
      return { threadId: thread.id, resumedId: resumed.id, answers: [first, second, third].map((t) => t.finalResponse) };
    }
    case "abort_run": {
      const controller = new AbortController();
      const running = thread.run(spec.prompt, { signal: controller.signal });
      await waitForStdinLine();
      controller.abort();
      try {
        await running;
        return { error: null };
      } catch (error) {
        return { error: errorInfo(error) };
      }
    }
    case "abort_streamed": {
      const controller = new AbortController();
      const { events } = await thread.runStreamed(spec.prompt, { signal: controller.signal });
      const seen = [];
      try {
        for await (const event of events) {
          seen.push(event);
          if (event.type === "turn.started") {
            await waitForStdinLine();
            controller.abort();
          }
        }
        return { events: seen, error: null };
      } catch (error) {
        return { events: seen, error: errorInfo(error) };
      }
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

try {
  process.stdout.write(JSON.stringify(await main()) + "\n");
} catch (error) {
  process.stdout.write(JSON.stringify({ failed: errorInfo(error) }) + "\n");
  process.exitCode = 1;
}
