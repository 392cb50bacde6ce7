// Mounts the app into the window.
import { render } from "preact";
import { App } from "./App";
import { api } from "./api";
import "./styles.css";

const root = document.getElementById("app");
if (root) render(<App api={api} />, root);
