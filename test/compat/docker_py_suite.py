"""docker-py (Debian's python3-docker) against the daemon named by DOCKER_HOST.

Run by docker-py.test.ts, which starts the daemon, loads the busybox test image (TEST_IMAGE) and a
reference registry (REGISTRY=host:port). Plain unittest, so it needs nothing beyond Debian's
packages; every test cleans up what it made.
"""
import io
import os
import tarfile
import threading
import time
import unittest
import uuid

import docker
from docker.errors import APIError, ImageNotFound, NotFound

IMAGE = os.environ["TEST_IMAGE"]
REGISTRY = os.environ["REGISTRY"]


def uniq(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class DockerPy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = docker.from_env(version="auto", timeout=120)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def test_system(self):
        self.assertTrue(self.client.ping())
        v = self.client.version()
        self.assertIn("ApiVersion", v)
        info = self.client.info()
        self.assertIn("Containers", info)
        df = self.client.df()
        self.assertIn("Images", df)

    def test_run_logs_and_exit_code(self):
        out = self.client.containers.run(IMAGE, ["sh", "-c", "echo hello; echo world"], remove=True)
        self.assertEqual(out, b"hello\nworld\n")
        with self.assertRaises(docker.errors.ContainerError) as cm:
            self.client.containers.run(IMAGE, ["sh", "-c", "echo bad >&2; exit 7"], remove=True, stderr=True)
        self.assertEqual(cm.exception.exit_status, 7)

    def test_container_lifecycle(self):
        name = uniq("py")
        c = self.client.containers.run(
            IMAGE, ["sh", "-c", "echo up; trap 'exit 0' TERM; while true; do sleep 0.1; done"],
            detach=True, name=name, labels={"suite": "docker-py"}, environment={"GREETING": "hi"},
        )
        try:
            c.reload()
            self.assertEqual(c.status, "running")
            self.assertEqual(c.name, name)
            self.assertEqual(c.labels, {"suite": "docker-py"})
            listed = self.client.containers.list(filters={"label": "suite=docker-py"})
            self.assertEqual([x.id for x in listed], [c.id])
            # exec, with and without demultiplexing
            code, out = c.exec_run(["sh", "-c", "echo $GREETING; echo e >&2"], demux=True)
            self.assertEqual((code, out), (0, (b"hi\n", b"e\n")))
            code, out = c.exec_run("false")
            self.assertEqual(code, 1)
            # top, pause/unpause, rename
            procs = c.top()
            self.assertIn("Titles", procs)
            c.pause()
            c.reload()
            self.assertEqual(c.status, "paused")
            c.unpause()
            # logs, streamed
            stream = c.logs(stream=True, follow=True)
            self.assertEqual(next(stream), b"up\n")
            stream.close()
            # stats, one shot
            s = c.stats(stream=False)
            self.assertGreater(s["memory_stats"]["usage"], 0)
            c.stop(timeout=5)
            self.assertEqual(c.wait()["StatusCode"], 0)
            # an archive out of the container and back in
            bits, stat = c.get_archive("/etc/passwd")
            self.assertEqual(stat["name"], "passwd")
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w") as tar:
                data = b"put by docker-py\n"
                ti = tarfile.TarInfo("note.txt")
                ti.size = len(data)
                tar.addfile(ti, io.BytesIO(data))
            self.assertTrue(c.put_archive("/tmp", buf.getvalue()))
            diff = c.diff()
            self.assertIn({"Path": "/tmp/note.txt", "Kind": 1}, diff)
        finally:
            c.remove(force=True)
        with self.assertRaises(NotFound):
            self.client.containers.get(name)

    def test_images(self):
        img = self.client.images.get(IMAGE)
        tag = uniq("pytag")
        self.assertTrue(img.tag(f"berth-py/{tag}", "v1"))
        self.assertIn(f"berth-py/{tag}:v1", self.client.images.get(img.id).tags)
        hist = img.history()
        self.assertGreaterEqual(len(hist), 1)
        saved = b"".join(self.client.images.get(f"berth-py/{tag}:v1").save(named=True))
        self.client.images.remove(f"berth-py/{tag}:v1")
        with self.assertRaises(ImageNotFound):
            self.client.images.get(f"berth-py/{tag}:v1")
        loaded = self.client.images.load(saved)
        self.assertEqual(loaded[0].id, img.id)
        self.client.images.remove(f"berth-py/{tag}:v1")

    def test_build(self):
        tag = uniq("pybuild")
        dockerfile = f"FROM {IMAGE}\nENV BUILT_BY=docker-py\nRUN echo built > /built\nCMD [\"cat\", \"/built\"]\n"
        image, logs = self.client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=f"{tag}:latest", rm=True)
        lines = "".join(x.get("stream", "") for x in logs)
        self.assertIn("Successfully built", lines)
        self.assertIn("BUILT_BY=docker-py", image.attrs["Config"]["Env"])
        self.assertEqual(self.client.containers.run(f"{tag}:latest", remove=True), b"built\n")
        self.client.images.remove(f"{tag}:latest")

    def test_push_and_pull_with_the_local_registry(self):
        repo = f"{REGISTRY}/compat/{uniq('py')}"
        self.client.images.get(IMAGE).tag(repo, "v1")
        events = list(self.client.images.push(repo, "v1", stream=True, decode=True))
        self.assertFalse([e for e in events if "error" in e], events)
        self.assertTrue(any("Digest" in (e.get("aux") or {}) for e in events), events)
        digest = next(e["aux"]["Digest"] for e in events if "Digest" in (e.get("aux") or {}))
        # what the registry says of it, without pulling (GET /distribution/{name}/json)
        data = self.client.api.inspect_distribution(f"{repo}:v1")
        self.assertEqual(data["Descriptor"]["digest"], digest)
        self.assertGreater(data["Descriptor"]["size"], 0)
        self.client.images.remove(f"{repo}:v1")
        pulled = self.client.images.pull(repo, tag="v1")
        self.assertEqual(pulled.id, self.client.images.get(IMAGE).id)
        self.assertTrue(pulled.attrs["RepoDigests"][0].startswith(repo + "@sha256:"))
        self.client.images.remove(f"{repo}:v1")
        with self.assertRaises(APIError):
            self.client.images.pull(f"{REGISTRY}/compat/absent", tag="nope")

    def test_networks(self):
        net = self.client.networks.create(uniq("pynet"), driver="bridge")
        try:
            server = self.client.containers.run(IMAGE, ["sh", "-c", "while true; do echo pong | nc -l -p 7000; done"], detach=True, name=uniq("srv"), network=net.name)
            try:
                out = self.client.containers.run(
                    IMAGE, ["sh", "-c", f"for i in 1 2 3 4 5 6 7 8 9 10; do nc {server.name} 7000 && exit 0; sleep 0.2; done; exit 1"],
                    network=net.name, remove=True,
                )
                self.assertEqual(out, b"pong\n")
                net.reload()
                self.assertIn(server.id, [c.id for c in net.containers])
                other = self.client.containers.create(IMAGE, ["true"])
                net.connect(other, aliases=["extra"])
                net.disconnect(other)
                other.remove()
            finally:
                server.remove(force=True)
        finally:
            net.remove()

    def test_volumes(self):
        vol = self.client.volumes.create(uniq("pyvol"), labels={"suite": "docker-py"})
        self.client.containers.run(IMAGE, ["sh", "-c", "echo stored > /data/f"], volumes={vol.name: {"bind": "/data", "mode": "rw"}}, remove=True)
        out = self.client.containers.run(IMAGE, ["cat", "/data/f"], volumes={vol.name: {"bind": "/data", "mode": "ro"}}, remove=True)
        self.assertEqual(out, b"stored\n")
        self.assertIn(vol.name, [v.name for v in self.client.volumes.list(filters={"label": "suite=docker-py"})])
        vol.remove()

    def test_events(self):
        since = int(time.time()) - 1
        name = uniq("ev")
        self.client.containers.run(IMAGE, ["true"], name=name, remove=True)
        until = int(time.time()) + 1
        seen = [e["Action"] for e in self.client.events(since=since, until=until, decode=True, filters={"container": name})]
        for action in ("create", "start", "die", "destroy"):
            self.assertIn(action, seen)

    def test_streamed_events(self):
        name = uniq("live")
        got = []
        stream = self.client.events(decode=True, filters={"container": name, "event": "start"})

        def read():
            for e in stream:
                got.append(e)
                break

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        time.sleep(0.3)
        self.client.containers.run(IMAGE, ["true"], name=name, remove=True)
        reader.join(10)
        stream.close()
        self.assertEqual([e["Actor"]["Attributes"]["name"] for e in got], [name])

    def test_errors(self):
        with self.assertRaises(ImageNotFound):
            self.client.containers.create("berth-py/does-not-exist:1")
        with self.assertRaises(NotFound):
            self.client.containers.get("nope-" + uuid.uuid4().hex)
        name = uniq("dup")
        c = self.client.containers.create(IMAGE, ["true"], name=name)
        try:
            with self.assertRaises(APIError) as cm:
                self.client.containers.create(IMAGE, ["true"], name=name)
            self.assertEqual(cm.exception.status_code, 409)
        finally:
            c.remove()


if __name__ == "__main__":
    unittest.main(verbosity=2)
