// Runs before every test file: the app keeps its screen in the URL fragment, so each test starts
// on a bare page whatever the one before it showed.
import { afterEach } from "vitest";

afterEach(() => {
  history.replaceState(null, "", "/");
});
