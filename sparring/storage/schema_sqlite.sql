-- Chainlit's SQLAlchemyDataLayer tables (it creates none itself) plus Sparring's own
-- practice table. Applied on first start; every statement is idempotent.
-- Column names follow Chainlit's StepDict/ElementDict/Feedback keys exactly, because
-- the data layer inserts whatever keys those dicts carry.

CREATE TABLE IF NOT EXISTS users (
    "id" TEXT PRIMARY KEY,
    "identifier" TEXT NOT NULL UNIQUE,
    "metadata" TEXT NOT NULL DEFAULT '{}',
    "createdAt" TEXT
);

CREATE TABLE IF NOT EXISTS threads (
    "id" TEXT PRIMARY KEY,
    "createdAt" TEXT,
    "name" TEXT,
    "userId" TEXT,
    "userIdentifier" TEXT,
    "tags" TEXT,
    "metadata" TEXT,
    FOREIGN KEY ("userId") REFERENCES users("id") ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS steps (
    "id" TEXT PRIMARY KEY,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "threadId" TEXT NOT NULL,
    "parentId" TEXT,
    "streaming" BOOLEAN NOT NULL DEFAULT 0,
    "waitForAnswer" BOOLEAN,
    "isError" BOOLEAN,
    "metadata" TEXT,
    "tags" TEXT,
    "input" TEXT,
    "output" TEXT,
    "createdAt" TEXT,
    "command" TEXT,
    "modes" TEXT,
    "start" TEXT,
    "end" TEXT,
    "generation" TEXT,
    "showInput" TEXT,
    "language" TEXT,
    "indent" INTEGER,
    "defaultOpen" BOOLEAN,
    "autoCollapse" BOOLEAN,
    "icon" TEXT,
    FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS elements (
    "id" TEXT PRIMARY KEY,
    "threadId" TEXT,
    "type" TEXT,
    "url" TEXT,
    "chainlitKey" TEXT,
    "name" TEXT NOT NULL,
    "display" TEXT,
    "objectKey" TEXT,
    "size" TEXT,
    "page" INTEGER,
    "language" TEXT,
    "forId" TEXT,
    "mime" TEXT,
    "props" TEXT,
    "autoPlay" BOOLEAN,
    "playerConfig" TEXT,
    FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS feedbacks (
    "id" TEXT PRIMARY KEY,
    "forId" TEXT NOT NULL,
    "threadId" TEXT,
    "value" INTEGER NOT NULL,
    "comment" TEXT
);

-- One row per practice session (= Chainlit thread): the Transcript with the hidden
-- ManagerState, the options it was started with, and the debrief once it has ended.
CREATE TABLE IF NOT EXISTS sparring_sessions (
    "thread_id" TEXT PRIMARY KEY,
    "user_identifier" TEXT NOT NULL,
    "persona_id" TEXT NOT NULL,
    "record" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL
);

-- A coach's choice to share one session with trainers (docs/TRAINERS.md): a row means
-- shared; withdrawing deletes it. Kept beside the practice row, keyed by thread and owner,
-- so a trainer's query can only ever join a share to the coach who made it.
CREATE TABLE IF NOT EXISTS sparring_shares (
    "thread_id" TEXT PRIMARY KEY,
    "user_identifier" TEXT NOT NULL,
    "shared_at" TEXT NOT NULL
);

-- A trainer's review of one 👍/👎 (Chainlit's feedbacks row): fixed, and by which persona version.
CREATE TABLE IF NOT EXISTS sparring_feedback_reviews (
    "feedback_id" TEXT PRIMARY KEY,
    "thread_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "fixed_in" TEXT,
    "reviewed_by" TEXT NOT NULL,
    "reviewed_at" TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS threads_user_idx ON threads ("userId");
CREATE INDEX IF NOT EXISTS steps_thread_idx ON steps ("threadId");
CREATE INDEX IF NOT EXISTS elements_thread_idx ON elements ("threadId");
CREATE INDEX IF NOT EXISTS sparring_sessions_user_idx ON sparring_sessions ("user_identifier");
