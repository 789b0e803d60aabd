"""The offline generator's question templates.

Placeholders: `{a}` and `{b}` are skills from the job description, `{lang}` the programming
language, `{role}` the role ("the Registered Nurse role" or "this role"), `{people}` and `{team}`
the people the job serves and works with. Each template says what a strong answer covers.
"""

from typing import NamedTuple


class Template(NamedTuple):
    text: str
    competency: str
    points: tuple[str, ...]


T = Template

# --- software: tech_stack ---------------------------------------------------------------------

TECH_STACK_ONE = (
    T(
        "What does {a} give you that you would miss without it, and where does it fall short?",
        "{a}",
        (
            "Explains what {a} is for and how its core concepts work",
            "Names concrete limits of {a} and when to choose something else",
            "Backs the answer with an example from real work",
        ),
    ),
    T(
        "Which parts of {a} do you know in depth, and what pitfall have you learned to avoid "
        "with it?",
        "{a}",
        (
            "Shows depth in specific {a} features rather than buzzwords",
            "Describes a real pitfall and why it happens",
            "Explains how they now prevent or detect it",
        ),
    ),
    T(
        "What happens under the hood when you use {a}, and how has knowing that changed the "
        "way you work with it?",
        "{a} internals",
        (
            "Accurately describes the internals of {a} that matter in daily work",
            "Links that understanding to concrete design or debugging decisions",
            "Gives an example where it made a difference",
        ),
    ),
)

TECH_STACK_TWO = (
    T(
        "You would work with {a} and {b} here. How do you make them work well together, and "
        "what trade-offs do you weigh when designing with {a}?",
        "{a} with {b}",
        (
            "Explains the role each of {a} and {b} plays in the system",
            "Names concrete trade-offs and the reasoning behind choices",
            "Describes an integration problem between {a} and {b} and how it was solved",
        ),
    ),
    T(
        "Where have you seen {a} and {b} cause problems when used together, and how did you "
        "find and fix the cause?",
        "{a} with {b}",
        (
            "Describes a specific failure at the boundary of {a} and {b}",
            "Shows a methodical way of finding the cause",
            "Explains the fix and how a repeat is prevented",
        ),
    ),
)

TECH_STACK_BY_GROUP = {
    "database": T(
        "How do you design tables and indexes in {a} for a feature that is read far more often "
        "than it is written, and how do you check that your queries use them?",
        "{a} data modelling",
        (
            "Chooses keys and indexes from the real query patterns",
            "Reads query plans to confirm index use",
            "Weighs the write and storage cost of each index",
        ),
    ),
    "frontend": T(
        "How do you structure state and side effects in a {a} application so that components "
        "stay small, fast and testable?",
        "{a} architecture",
        (
            "Separates local, shared and server state sensibly",
            "Keeps side effects out of rendering and handles loading and error states",
            "Mentions how they test components and avoid needless re-renders",
        ),
    ),
    "cloud": T(
        "How would you set up {a} for a service that must keep running when one machine or "
        "zone fails, and what would you monitor?",
        "{a} reliability",
        (
            "Designs for redundancy (several instances or zones, health checks)",
            "Mentions safe deployments and rollbacks",
            "Names the metrics and alerts that show the service is healthy",
        ),
    ),
    "data": T(
        "How do you make a {a} job safe to re-run after a failure, so that it never duplicates "
        "or loses data?",
        "{a} reliability",
        (
            "Makes writes idempotent (overwrite partitions, merge on keys)",
            "Handles late or repeated input explicitly",
            "Adds checks that catch silent data loss",
        ),
    ),
    "messaging": T(
        "What delivery guarantees does {a} give you, and how do you design consumers so that a "
        "message processed twice does no harm?",
        "{a} delivery semantics",
        (
            "Explains at-least-once versus exactly-once delivery honestly",
            "Designs idempotent consumers (keys, deduplication, transactions)",
            "Covers ordering, retries and dead-letter handling",
        ),
    ),
    "backend": T(
        "How do you organise a {a} codebase so that business logic stays separate from the web "
        "layer and the database?",
        "{a} application design",
        (
            "Describes clear layers or modules and what belongs where",
            "Keeps business rules testable without the web framework",
            "Mentions how transactions and errors cross the layers",
        ),
    ),
    "ml": T(
        "How do you take a {a} model from a notebook to production, and how do you know it is "
        "still working a month later?",
        "{a} in production",
        (
            "Covers reproducible training and versioned models",
            "Describes serving and evaluation against a baseline",
            "Monitors data drift and prediction quality over time",
        ),
    ),
    "mobile": T(
        "How do you keep a {a} app responsive while it loads data over a slow or unreliable "
        "network?",
        "{a} performance",
        (
            "Keeps work off the main thread",
            "Uses caching, pagination and offline states",
            "Measures responsiveness on real, older devices",
        ),
    ),
    "language": T(
        "Which features of {a} do you rely on to keep code readable and correct, and which do "
        "you avoid?",
        "{a} proficiency",
        (
            "Names specific language features and why they help",
            "Explains what they avoid and the risk it carries",
            "Shows awareness of idiomatic style and tooling",
        ),
    ),
}

# --- software: coding ---------------------------------------------------------------------

CODING_BY_SKILL = {
    "Django": T(
        "Write a Django view and queryset that lists the ten customers with the most orders "
        "this month without triggering N+1 queries, and explain how you would test it.",
        "Django ORM",
        (
            "Aggregates in the database with annotate and order_by, not Python loops",
            "Avoids N+1 queries with select_related or prefetch_related",
            "Tests the view with realistic fixtures and checks the query count",
        ),
    ),
    "Flask": T(
        "Write a Flask endpoint in {lang} that accepts a JSON order, validates it, and answers "
        "with clear 422 errors for bad input.",
        "Flask APIs",
        (
            "Validates types and required fields before using them",
            "Returns consistent error bodies and correct status codes",
            "Keeps business logic out of the route so it can be tested",
        ),
    ),
    "FastAPI": T(
        "Write a FastAPI endpoint that creates an order from a validated request body and "
        "returns 409 when an order with the same reference already exists.",
        "FastAPI",
        (
            "Uses pydantic models for the request and response",
            "Handles the uniqueness conflict without a race (database constraint)",
            "Uses async database access correctly and tests the 409 path",
        ),
    ),
    "Spring Boot": T(
        "Write a Spring Boot REST controller in {lang} that returns a customer by id, answers "
        "404 when it does not exist, and validates its input.",
        "Spring Boot REST APIs",
        (
            "Uses a controller, service and repository with clear responsibilities",
            "Maps a missing entity to 404 with an exception handler",
            "Validates input with bean validation and writes a test for it",
        ),
    ),
    "Node.js": T(
        "Write a Node.js function in {lang} that calls an external API with a timeout and "
        "retries failed calls with exponential backoff.",
        "Node.js async programming",
        (
            "Uses async/await and aborts requests on timeout",
            "Retries only on retryable failures, with capped backoff",
            "Surfaces a clear error once retries are exhausted",
        ),
    ),
    "React": T(
        "Write a React component in {lang} that fetches a list of items, shows loading and "
        "error states, and filters the list as the user types.",
        "React components",
        (
            "Handles loading, error and empty states explicitly",
            "Manages effects correctly (cleanup, no stale updates)",
            "Keeps filtering cheap (derived state or memoisation) and testable",
        ),
    ),
    "Angular": T(
        "Write an Angular component and service in {lang} that load paged data from an API and "
        "let the user move between pages.",
        "Angular",
        (
            "Puts HTTP access in an injectable service",
            "Uses observables without leaking subscriptions",
            "Handles loading and error states in the template",
        ),
    ),
    "Vue": T(
        "Write a Vue component in {lang} with a search box that queries an API as the user "
        "types, without sending a request on every keystroke.",
        "Vue components",
        (
            "Debounces input and cancels outdated requests",
            "Uses reactive state and computed properties appropriately",
            "Shows loading, empty and error states",
        ),
    ),
    "TypeScript": T(
        "Write a TypeScript function that safely turns an unknown JSON payload into a typed "
        "order object and reports every invalid field.",
        "TypeScript type safety",
        (
            "Treats input as unknown and narrows it with type guards",
            "Collects all errors instead of stopping at the first",
            "Returns a typed result without unsafe casts",
        ),
    ),
    "SQL": T(
        "Write a SQL query that returns each customer's most recent order together with the "
        "running total of what they have spent.",
        "SQL",
        (
            "Uses window functions (ROW_NUMBER, SUM OVER) correctly",
            "Handles ties and customers without orders deliberately",
            "Explains which index makes the query fast",
        ),
    ),
    "PostgreSQL": T(
        "Write a PostgreSQL query that finds user accounts duplicated by e-mail address "
        "(ignoring case) and keeps only the oldest, then say which index makes it fast.",
        "PostgreSQL queries",
        (
            "Groups or partitions on lower(email) correctly",
            "Deletes safely, inside a transaction, keeping the oldest row",
            "Proposes an expression index on lower(email)",
        ),
    ),
    "MySQL": T(
        "Write a MySQL query that reports monthly revenue per product category for the last "
        "twelve months, including months with no sales.",
        "MySQL queries",
        (
            "Generates the month series so empty months appear",
            "Joins and aggregates correctly without double counting",
            "Explains the indexes the query needs",
        ),
    ),
    "MongoDB": T(
        "Write a MongoDB aggregation that returns the five best-selling products in each "
        "category for last month.",
        "MongoDB aggregation",
        (
            "Filters by date first so indexes can be used",
            "Groups, sorts and limits per category correctly",
            "Discusses document design for this query",
        ),
    ),
    "Redis": T(
        "Write code in {lang} that uses Redis to limit each user to 100 requests per minute.",
        "Redis",
        (
            "Uses atomic operations (INCR with EXPIRE, or a Lua script)",
            "Chooses fixed or sliding windows knowingly",
            "Says what happens when Redis is unavailable",
        ),
    ),
    "Kafka": T(
        "Write a Kafka consumer in {lang} that processes order events at least once and stays "
        "correct when the same event arrives twice.",
        "Kafka consumers",
        (
            "Commits offsets only after processing succeeds",
            "Makes processing idempotent with an event key",
            "Handles poison messages (retry topic or dead-letter queue)",
        ),
    ),
    "RabbitMQ": T(
        "Write a RabbitMQ consumer in {lang} that acknowledges messages only after they are "
        "processed and sends repeated failures to a dead-letter queue.",
        "RabbitMQ",
        (
            "Uses manual acknowledgements correctly",
            "Limits redeliveries and routes failures to a dead-letter exchange",
            "Keeps processing idempotent",
        ),
    ),
    "Celery": T(
        "Write a Celery task in {lang} that sends an order confirmation e-mail, retries on "
        "temporary failures, and never sends the same e-mail twice.",
        "Celery tasks",
        (
            "Passes ids to the task, not whole objects",
            "Retries with backoff only on temporary errors",
            "Guards against duplicates with an idempotency record",
        ),
    ),
    "Spark": T(
        "Write a Spark job in {lang} that deduplicates click events by event id, keeps the "
        "latest version of each, and writes the result partitioned by day.",
        "Spark data processing",
        (
            "Uses a window or groupBy to keep the latest record per id",
            "Partitions output by date and overwrites partitions idempotently",
            "Considers skew and shuffle cost",
        ),
    ),
    "Airflow": T(
        "Write an Airflow DAG in {lang} that loads yesterday's orders, checks the row count, "
        "and alerts when the load is empty or late.",
        "Airflow orchestration",
        (
            "Uses the logical date rather than the current time",
            "Makes tasks idempotent and safe to backfill",
            "Adds a data check and an SLA or alert",
        ),
    ),
    "dbt": T(
        "Write a dbt model that builds a daily revenue table from raw orders, with tests for "
        "unique keys and non-null amounts.",
        "dbt modelling",
        (
            "Structures staging and mart models clearly",
            "Adds unique and not_null tests in the schema file",
            "Chooses incremental or full refresh knowingly",
        ),
    ),
    "pandas": T(
        "Write a pandas function that cleans a CSV of transactions: parse dates, drop exact "
        "duplicates, and compute monthly totals per customer.",
        "pandas data wrangling",
        (
            "Parses dates and types explicitly",
            "Uses vectorised groupby and resample rather than loops",
            "Handles missing and malformed values",
        ),
    ),
    "Kubernetes": T(
        "Write a Kubernetes Deployment manifest for a web service with resource limits, "
        "readiness and liveness probes, and explain each choice.",
        "Kubernetes deployments",
        (
            "Sets requests and limits from measured usage",
            "Distinguishes readiness from liveness probes",
            "Configures rolling updates that keep the service available",
        ),
    ),
    "Terraform": T(
        "Write Terraform for a storage bucket with versioning and encryption enabled, and "
        "explain how you would review and apply the change safely.",
        "Terraform",
        (
            "Writes valid resources with versioning and encryption",
            "Uses remote state with locking",
            "Reviews the plan before apply, ideally in CI",
        ),
    ),
    "Docker": T(
        "Write a Dockerfile for a {lang} web service that produces a small image, runs as a "
        "non-root user, and caches dependencies between builds.",
        "Docker images",
        (
            "Uses a multi-stage build and a slim base image",
            "Orders layers so dependencies are cached",
            "Runs as a non-root user with a health check",
        ),
    ),
    "GraphQL": T(
        "Write a GraphQL schema and resolvers in {lang} for orders and their customers that "
        "avoid the N+1 query problem.",
        "GraphQL APIs",
        (
            "Designs a clear schema with types and nullability",
            "Batches lookups with a data loader",
            "Considers pagination and query cost limits",
        ),
    ),
    "REST APIs": T(
        "Write a handler in {lang} for a paginated REST endpoint, GET /orders?cursor=..., that "
        "returns a stable next cursor.",
        "REST API design",
        (
            "Uses keyset pagination rather than offsets",
            "Returns a next cursor and handles the last page",
            "Validates the cursor and answers 400 for bad input",
        ),
    ),
    "data structures and algorithms": T(
        "Write a function in {lang} that returns the k most frequent words in a large text, "
        "and state its time and space complexity.",
        "data structures and algorithms",
        (
            "Counts with a hash map in one pass",
            "Selects the top k with a heap or bucket sort",
            "States the complexity correctly and handles ties",
        ),
    ),
    "machine learning": T(
        "Write code in {lang} that splits a dataset into training and test sets without "
        "leaking information, trains a baseline model and reports a suitable metric.",
        "machine learning practice",
        (
            "Splits before any fitting, by time or group where needed",
            "Starts with a simple baseline",
            "Chooses a metric that matches the business goal",
        ),
    ),
    ".NET": T(
        "Write an ASP.NET Core endpoint in {lang} that returns an order by id, answers 404 when "
        "it is missing, and validates the request.",
        ".NET web APIs",
        (
            "Uses dependency injection and async database access",
            "Maps missing resources to 404 with problem details",
            "Validates input and tests the endpoint",
        ),
    ),
    "Go": T(
        "Write a Go function that fetches several URLs concurrently, at most five at a time, "
        "and collects every error.",
        "Go concurrency",
        (
            "Uses goroutines with a semaphore or worker pool",
            "Passes a context for cancellation and timeouts",
            "Collects results and errors without data races",
        ),
    ),
    "automated testing": T(
        "Write unit tests in {lang} for a function that calculates an order's total with "
        "discounts and tax; show the edge cases you cover.",
        "automated testing",
        (
            "Covers boundaries: empty orders, zero prices, rounding",
            "Keeps tests independent and clearly named",
            "Explains what belongs in unit versus integration tests",
        ),
    ),
}

CODING_GENERIC = (
    T(
        "Write a function in {lang} that merges overlapping time intervals, and explain its "
        "time complexity.",
        "{lang} programming",
        (
            "Sorts by start time and merges in one pass",
            "Handles touching, nested and empty inputs",
            "States O(n log n) time and the space used",
        ),
    ),
    T(
        "Write a function in {lang} that groups log lines by hour and counts the errors in each "
        "hour, skipping malformed lines.",
        "{lang} programming",
        (
            "Parses timestamps robustly and skips bad lines",
            "Uses an appropriate map or counter structure",
            "Keeps the code readable and testable",
        ),
    ),
    T(
        "Write a class in {lang} for an LRU cache with get and put in constant time.",
        "{lang} data structures",
        (
            "Combines a hash map with a doubly linked list (or an ordered map)",
            "Evicts the least recently used entry correctly",
            "Explains the complexity and thread-safety concerns",
        ),
    ),
)

CODING_AUTOMATION = T(
    "Write a small program in {lang} that automates a routine task involving {a}: it should "
    "handle failures and log what it did. Explain how you would test it.",
    "{a} automation",
    (
        "Picks a realistic, repetitive task around {a}",
        "Handles errors and makes the program safe to re-run",
        "Logs clearly and describes tests for it",
    ),
)

CODING_CONCEPT = T(
    "Write code in {lang} that applies {a} to a small, realistic data set from this job, and "
    "explain how you would check that the result is right.",
    "{a} in code",
    (
        "Turns {a} into concrete, correct steps in code",
        "States the assumptions the method needs and checks them",
        "Validates the result against a simple baseline or known answer",
    ),
)

CODING_POINT = "Writes working, readable code and explains how they would test it"

# Which language a skill's code is written in, when the description names no language.
DEFAULT_LANGUAGE = {
    "Django": "Python",
    "Flask": "Python",
    "FastAPI": "Python",
    "Celery": "Python",
    "pandas": "Python",
    "NumPy": "Python",
    "Spark": "Python",
    "Airflow": "Python",
    "PyTorch": "Python",
    "TensorFlow": "Python",
    "scikit-learn": "Python",
    "machine learning": "Python",
    "pytest": "Python",
    "Spring Boot": "Java",
    "Hibernate": "Java",
    "JUnit": "Java",
    "Maven": "Java",
    "React": "JavaScript",
    "Vue": "JavaScript",
    "Node.js": "JavaScript",
    "Express": "JavaScript",
    "Jest": "JavaScript",
    "Angular": "TypeScript",
    "Next.js": "TypeScript",
    ".NET": "C#",
    "Ruby on Rails": "Ruby",
    "Laravel": "PHP",
    "Flutter": "Dart",
    "Android": "Kotlin",
    "iOS": "Swift",
    "React Native": "JavaScript",
    "Go": "Go",
}

# --- software: scenario ---------------------------------------------------------------------

SCENARIO_BY_GROUP = {
    "database": T(
        "A query on {a} that used to take milliseconds now takes several seconds since the "
        "tables grew. How do you find the cause and fix it without downtime?",
        "{a} performance troubleshooting",
        (
            "Reads the query plan before changing anything",
            "Considers indexes, query shape and table statistics",
            "Rolls the fix out safely and watches the effect",
        ),
    ),
    "backend": T(
        "After a release, your {a} service starts returning intermittent 500 errors for a "
        "small share of users. Walk me through how you investigate and what you do first.",
        "incident response in {a}",
        (
            "Limits the damage first: roll back or switch off the feature",
            "Narrows the cause with logs, metrics and traces",
            "Adds a test or alert so it does not happen again",
        ),
    ),
    "frontend": T(
        "Users report that a {a} page becomes slow and unresponsive once the list it shows "
        "grows to thousands of items. How do you find the cause and fix it?",
        "{a} performance",
        (
            "Measures with the browser profiler before optimising",
            "Applies fixes such as list virtualisation and avoiding needless re-renders",
            "Verifies the improvement with realistic data",
        ),
    ),
    "mobile": T(
        "Your {a} app's crash rate doubles after a release, but only on older devices. What do "
        "you do?",
        "{a} troubleshooting",
        (
            "Uses crash reports to find the failing path and devices",
            "Decides quickly whether to halt the rollout or ship a fix",
            "Adds coverage for older devices to testing",
        ),
    ),
    "messaging": T(
        "Consumer lag on {a} keeps growing during peak hours, and some messages are processed "
        "twice. What do you check, and how do you fix it?",
        "{a} operations",
        (
            "Checks consumer throughput, partitions or queues, and rebalancing",
            "Finds why messages are redelivered and makes handling idempotent",
            "Scales or tunes consumers and adds lag alerts",
        ),
    ),
    "data": T(
        "The nightly {a} job finished without errors, but this morning's dashboard shows "
        "revenue 20% lower than yesterday. How do you find out what went wrong?",
        "{a} data quality",
        (
            "Checks the input data (late, missing or duplicated files) first",
            "Compares row counts and totals at each stage",
            "Adds automated data checks so the problem is caught before anyone sees it",
        ),
    ),
    "ml": T(
        "A {a} model that scored well offline is making noticeably worse predictions in "
        "production. How do you investigate?",
        "{a} in production",
        (
            "Compares production inputs with the training data (drift, skew)",
            "Checks for leakage or a mismatch in feature pipelines",
            "Proposes monitoring and a retraining or rollback plan",
        ),
    ),
    "cloud": T(
        "A deployment on {a} leaves half of the instances unhealthy and users see errors. What "
        "do you do in the first fifteen minutes, and afterwards?",
        "{a} incident handling",
        (
            "Stops the rollout and restores service first",
            "Uses health checks, logs and metrics to find the cause",
            "Writes a blameless review and fixes the gap in the pipeline",
        ),
    ),
    "monitoring": T(
        "Users report errors, but your {a} dashboards show nothing wrong. How do you find out "
        "what is happening, and what do you change in your {a} afterwards?",
        "{a}",
        (
            "Trusts the users and checks from their side (logs, synthetic checks)",
            "Finds the blind spot: missing metrics, wrong thresholds or sampling",
            "Alerts on symptoms users feel, not only on causes",
        ),
    ),
    "ci": T(
        "The {a} pipeline has started failing intermittently, and the team now re-runs it until "
        "it passes. How do you deal with this?",
        "{a} reliability",
        (
            "Treats flaky failures as real bugs and finds the pattern",
            "Quarantines or fixes flaky tests instead of re-running",
            "Keeps the pipeline fast and trusted",
        ),
    ),
    "testing": T(
        "The {a} suite takes forty minutes and fails at random, so the team has stopped "
        "trusting it. What do you do?",
        "{a} strategy",
        (
            "Finds and fixes the causes of flaky tests (timing, shared state, order)",
            "Rebalances the suite toward fast, focused tests",
            "Restores trust by making failures meaningful again",
        ),
    ),
    "data_practice": T(
        "The nightly pipeline finished without errors, but this morning's dashboard shows "
        "revenue 20% lower than yesterday. How does your approach to {a} help you find what "
        "went wrong?",
        "{a}",
        (
            "Checks the input data (late, missing or duplicated loads) first",
            "Compares row counts and totals stage by stage",
            "Adds automated checks so the problem is caught before anyone sees it",
        ),
    ),
    "security": T(
        "A penetration test finds that one API endpoint lets a logged-in user read other "
        "users' data, despite your work on {a}. What do you do today, and what do you change "
        "so it cannot happen again?",
        "{a}",
        (
            "Closes the hole at once and checks whether it was exploited",
            "Fixes authorisation on the server, object by object",
            "Adds tests and review steps that catch the class of bug",
        ),
    ),
    "architecture": T(
        "The team wants to use {a} to fix a system that has become slow and fragile under "
        "growing traffic. How do you decide whether {a} is the right answer, and how would you "
        "roll it out safely?",
        "{a}",
        (
            "Measures where the problem really is before choosing a solution",
            "Weighs the costs and risks of {a} against simpler options",
            "Plans an incremental rollout with a way back",
        ),
    ),
}

SCENARIO_GENERIC = (
    T(
        "You join a project built on {a} that has no tests and frequent production incidents. "
        "What do you do in your first month?",
        "{a} in an existing codebase",
        (
            "Learns the system and the incident history before changing things",
            "Adds tests and monitoring around the riskiest parts first",
            "Improves things in small, safe steps and brings the team along",
        ),
    ),
    T(
        "A feature that relies on {a} must ship on Friday, but on Wednesday you find a design "
        "flaw that will cause problems later. What do you do?",
        "{a} delivery trade-offs",
        (
            "Assesses the real impact of the flaw",
            "Presents options and trade-offs to the people who decide",
            "Makes any shortcut visible and plans the follow-up",
        ),
    ),
)

# --- software: general technical depth, by level --------------------------------------------

DEPTH_BY_LEVEL = {
    "junior": (
        T(
            "Explain {a} to a colleague who has never used it: what problem does it solve, and "
            "what mistake do beginners often make with it?",
            "{a} fundamentals",
            (
                "Explains the problem {a} solves in plain words",
                "Names a common beginner mistake and why it happens",
                "Shows curiosity and a habit of checking their understanding",
            ),
        ),
    ),
    "mid": (
        T(
            "How would you structure a new feature that depends on {a} so that it stays easy "
            "to test and to change later?",
            "{a} design",
            (
                "Separates the feature into clear, small parts",
                "Keeps {a} behind a boundary that tests can replace",
                "Explains what they would test and how",
            ),
        ),
        T(
            "What would you check in a code review of a change that uses {a} heavily?",
            "{a} code quality",
            (
                "Looks for correctness and edge cases first",
                "Checks {a}-specific pitfalls and performance",
                "Gives feedback that is specific and kind",
            ),
        ),
    ),
    "senior": (
        T(
            "How would you design a system that relies on {a} to handle ten times today's "
            "traffic, and what would you measure first to find the bottleneck?",
            "{a} at scale",
            (
                "Starts from measurements, not guesses",
                "Identifies the likely limits of {a} and how to scale past them",
                "Considers cost, failure modes and a gradual rollout",
            ),
        ),
        T(
            "When would you advise a team not to use {a}, and what would you recommend instead?",
            "{a} technology choices",
            (
                "Knows the real limits of {a}",
                "Compares alternatives on concrete criteria",
                "Considers the team's skills and the cost of change",
            ),
        ),
    ),
}

LEADERSHIP_SCENARIOS = (
    T(
        "Two engineers on your team disagree strongly about how to use {a}, and the argument "
        "is slowing delivery. How do you resolve it?",
        "technical leadership",
        (
            "Listens to both sides and makes the trade-offs explicit",
            "Uses evidence (a spike, data) to decide rather than authority",
            "Records the decision and keeps the relationship healthy",
        ),
    ),
    T(
        "You inherit a team whose {a} work keeps missing deadlines. What do you do in your "
        "first month as their lead?",
        "technical leadership",
        (
            "Finds the real causes by listening and looking at data",
            "Agrees a few clear priorities with the team",
            "Balances delivery with paying down the underlying problems",
        ),
    ),
)

# --- software: hr ---------------------------------------------------------------------------

HR_BY_LEVEL = {
    "junior": (
        T(
            "Tell me about something you taught yourself recently, such as a part of {a}. How "
            "did you go about it, and how did you know you had really learned it?",
            "learning and curiosity",
            (
                "Describes a concrete, recent learning effort",
                "Explains how they checked their understanding",
                "Shows they ask for help and feedback",
            ),
        ),
    ),
    "mid": (
        T(
            "Tell me about a time you disagreed with a teammate about a technical decision "
            "involving {a}. How did you resolve it, and what was the outcome?",
            "collaboration",
            (
                "Describes the disagreement fairly, including the other view",
                "Resolved it with evidence and respect",
                "Reflects on what they learned",
            ),
        ),
        T(
            "Tell me about a mistake you made while working with {a}. What happened, and what "
            "did you change afterwards?",
            "ownership",
            (
                "Owns the mistake without blaming others",
                "Explains how they limited the impact",
                "Names a lasting change in how they work",
            ),
        ),
    ),
    "senior": (
        T(
            "Tell me about a time you mentored a less experienced colleague on {a}. What did "
            "you do, and how did you know it worked?",
            "mentoring",
            (
                "Describes a concrete mentoring relationship",
                "Adapted the approach to the person",
                "Judges success by the colleague's growth",
            ),
        ),
    ),
    "lead": (
        T(
            "Tell me about a time you pushed back on a deadline or scope because the {a} work "
            "could not be done safely. How did you handle the conversation?",
            "stakeholder management",
            (
                "Explained the risk in business terms",
                "Offered alternatives rather than a flat no",
                "Kept trust on both sides",
            ),
        ),
    ),
}

HR_ANY_LEVEL = (
    T(
        "Why does {role} interest you, and which part of working with {a} do you most want to "
        "grow in?",
        "motivation",
        (
            "Shows genuine, specific interest in the role",
            "Names a concrete area of {a} to grow in",
            "Links it to past experience and future goals",
        ),
    ),
)

# --- other professions ---------------------------------------------------------------------

PRO_KNOWLEDGE = (
    T(
        "How have you applied {a} in your day-to-day work, and what do you do to stay current "
        "with it?",
        "{a}",
        (
            "Gives concrete examples of applying {a}",
            "Shows accurate, up-to-date knowledge",
            "Describes how they keep learning",
        ),
    ),
    T(
        "What is a common mistake people make with {a}, and how do you make sure you avoid it?",
        "{a}",
        (
            "Names a realistic mistake and its consequences",
            "Describes the checks they use to prevent it",
            "Shows care for quality and safety",
        ),
    ),
)

PRO_KNOWLEDGE_TWO = (
    T(
        "Which parts of {a} matter most in {role}, and how have you used them alongside {b}?",
        "{a} with {b}",
        (
            "Identifies the parts of {a} most relevant to the role",
            "Gives a real example that also involves {b}",
            "Explains the outcome and what they learned",
        ),
    ),
)

PRO_BY_GROUP = {
    "tool": T(
        "How have you used {a} in your daily work, and what do you do to keep the information "
        "in it accurate and complete?",
        "{a}",
        (
            "Describes real, regular use of {a}",
            "Explains checks that keep records accurate",
            "Mentions confidentiality and access where relevant",
        ),
    ),
    "knowledge": T(
        "How do the requirements of {a} shape the way you work day to day? Give an example "
        "where they changed what you did.",
        "{a}",
        (
            "Shows accurate knowledge of {a}",
            "Gives a concrete example where it changed a decision",
            "Knows where to check when unsure",
        ),
    ),
}

PROCEDURE_BY_SKILL = {
    "medication administration": T(
        "Walk me through medication administration for one patient, step by step, including "
        "every check you make before, during and after giving the dose.",
        "medication administration",
        (
            "Checks the rights of administration: patient, drug, dose, route and time",
            "Confirms identity and allergies and reviews the chart",
            "Documents the administration and monitors for reactions",
            "Knows when to withhold a dose and escalate",
        ),
    ),
    "wound care": T(
        "Walk me through your wound care for a patient: how you assess and dress the wound, and "
        "how you decide whether it is healing or needs escalating.",
        "wound care",
        (
            "Assesses size, depth, exudate and signs of infection",
            "Uses an aseptic technique and a suitable dressing",
            "Documents progress and escalates deterioration",
        ),
    ),
    "patient assessment": T(
        "Talk me through a head-to-toe patient assessment of someone newly admitted. What do "
        "you record, and what would make you escalate?",
        "patient assessment",
        (
            "Follows a systematic approach such as ABCDE",
            "Records baseline observations and history clearly",
            "Names findings that trigger escalation",
        ),
    ),
    "vital signs": T(
        "Walk me through how you take and record a full set of vital signs, and which values "
        "would make you escalate at once.",
        "vital signs monitoring",
        (
            "Measures each sign correctly and in a calm order",
            "Uses an early warning score and knows its thresholds",
            "Escalates promptly and documents the response",
        ),
    ),
    "IV therapy": T(
        "Explain step by step how you set up and monitor IV therapy for a patient, including the "
        "checks that keep the infusion safe.",
        "IV therapy",
        (
            "Checks the prescription, fluid, rate and patient identity",
            "Uses an aseptic technique and checks the site regularly",
            "Recognises complications such as infiltration or phlebitis",
        ),
    ),
    "Basic Life Support": T(
        "You find a patient unresponsive. Talk me through the Basic Life Support you give, from "
        "the first seconds until help arrives.",
        "Basic Life Support",
        (
            "Checks for danger, response and breathing",
            "Calls for help and starts compressions at the right rate and depth",
            "Uses a defibrillator as soon as it arrives",
        ),
    ),
    "reconciliation": T(
        "Walk me through how you perform a bank reconciliation at month-end: which records you "
        "compare, how you find and clear differences, and how you document them.",
        "reconciliation",
        (
            "Compares the ledger with the bank statement line by line",
            "Classifies differences (timing, errors, missing entries) and clears them",
            "Documents and gets the reconciliation reviewed",
        ),
    ),
    "month-end close": T(
        "Walk me through the month-end close you have run: the order of the steps, the checks, "
        "and how you keep to the deadline.",
        "month-end close",
        (
            "Knows the sequence: cut-off, accruals, reconciliations, review",
            "Uses a checklist and reconciles key balances",
            "Plans ahead and escalates blockers early",
        ),
    ),
    "journal entries": T(
        "Show me the journal entries you would post for services received but not yet "
        "invoiced, and how they reverse next month.",
        "journal entries",
        (
            "Debits the expense and credits accruals correctly",
            "Reverses the entry when the invoice arrives",
            "Keeps supporting evidence for the entry",
        ),
    ),
    "accounts payable": T(
        "Walk me through how accounts payable processes a supplier invoice from receipt to "
        "payment, including the controls that stop duplicate or fraudulent payments.",
        "accounts payable",
        (
            "Matches the invoice to the order and goods received",
            "Checks approvals and supplier bank details",
            "Detects duplicates before payment runs",
        ),
    ),
    "accounts receivable": T(
        "In accounts receivable, how do you chase an invoice that is sixty days overdue? Walk me "
        "through it from the first reminder to escalation.",
        "accounts receivable",
        (
            "Follows a clear, polite escalation sequence",
            "Checks for disputes or errors before chasing",
            "Records every contact and agrees next steps",
        ),
    ),
    "variance analysis": T(
        "Take a budget line that came in 15% over budget: walk me through your variance "
        "analysis and how you explain it to the budget holder.",
        "variance analysis",
        (
            "Splits the variance into price, volume and timing effects",
            "Checks for errors or misposting first",
            "Explains the cause and the action in plain language",
        ),
    ),
    "payroll": T(
        "Walk me through how you run a monthly payroll, including the checks that catch errors "
        "before anyone is paid.",
        "payroll",
        (
            "Collects changes (starters, leavers, overtime) before the cut-off",
            "Reconciles gross-to-net and compares with last month",
            "Meets tax and reporting deadlines",
        ),
    ),
    "prospecting": T(
        "Walk me through your prospecting for a new territory: how you build the prospect list "
        "and plan the first week of outreach.",
        "prospecting",
        (
            "Defines the ideal customer and finds them in a structured way",
            "Plans a multi-channel outreach sequence",
            "Tracks activity and results to adjust",
        ),
    ),
    "lead generation": T(
        "Walk me through your lead generation for a product with no existing customers in a new "
        "market.",
        "lead generation",
        (
            "Targets a clear segment with a relevant message",
            "Uses several channels and measures each",
            "Qualifies leads before passing them on",
        ),
    ),
    "cold calling": T(
        "Show me how your cold calling opens with a busy prospect: your first thirty seconds, "
        "and how you handle 'just send me an e-mail'.",
        "cold calling",
        (
            "Opens with a short, relevant reason for calling",
            "Asks questions rather than pitching",
            "Turns the objection into a concrete next step",
        ),
    ),
    "product demos": T(
        "Walk me through how you prepare and run product demos for a prospect, from discovery "
        "to agreeing next steps.",
        "product demos",
        (
            "Starts from the prospect's problems found in discovery",
            "Shows only what matters to this prospect",
            "Ends with an agreed, dated next step",
        ),
    ),
    "closing deals": T(
        "Walk me through closing deals: how you move a qualified deal from proposal to "
        "signature, including last-minute objections.",
        "closing deals",
        (
            "Confirms decision makers and the buying process early",
            "Handles objections by understanding them first",
            "Agrees a mutual plan with dates",
        ),
    ),
    "upselling": T(
        "Walk me through upselling to an existing customer: how you find the opportunity and "
        "pursue it without damaging the relationship.",
        "upselling",
        (
            "Bases the offer on the customer's real needs and usage",
            "Times it well and shows clear value",
            "Keeps trust above a quick sale",
        ),
    ),
    "lesson planning": T(
        "Take a topic you know well and talk me through your lesson planning for it: "
        "objectives, activities, checks for understanding, and adapting for different learners.",
        "lesson planning",
        (
            "Sets clear, measurable learning objectives",
            "Plans varied activities and checks for understanding",
            "Adapts the plan for different needs",
        ),
    ),
    "differentiated instruction": T(
        "Show me how you use differentiated instruction to adapt one activity for a student who "
        "is struggling and for one who is far ahead.",
        "differentiated instruction",
        (
            "Adds scaffolding without lowering expectations",
            "Extends the able student with depth, not just more work",
            "Checks that both are making progress",
        ),
    ),
    "student assessment": T(
        "Walk me through how you design a short student assessment and use the results to plan "
        "the next lesson.",
        "student assessment",
        (
            "Aligns questions with the learning objectives",
            "Analyses results to find common misconceptions",
            "Changes the next lesson based on the evidence",
        ),
    ),
    "forklift operation": T(
        "Walk me through safe forklift operation: the checks you make before you start, and how "
        "you move a full pallet to a high rack.",
        "forklift operation",
        (
            "Does a pre-use inspection and reports defects",
            "Checks the load, its weight and the rack capacity",
            "Moves with the load low, tilted back, and watches for people",
        ),
    ),
    "picking and packing": T(
        "Walk me through picking and packing an order of several items so that it is accurate, "
        "undamaged and ready on time.",
        "picking and packing",
        (
            "Follows the pick list and scans or checks every item",
            "Packs to protect the goods and labels correctly",
            "Flags shortages or damage straight away",
        ),
    ),
    "goods receiving": T(
        "Walk me through goods receiving for a delivery: what you check against the paperwork, "
        "and what you do when something is missing or damaged.",
        "goods receiving",
        (
            "Checks quantities and condition against the delivery note",
            "Records discrepancies and informs the right people",
            "Puts stock away promptly and updates the system",
        ),
    ),
    "cycle counts": T(
        "Walk me through how you carry out cycle counts, and what you do when a count does not "
        "match the system.",
        "cycle counts",
        (
            "Counts methodically and double-checks discrepancies",
            "Looks for causes such as mis-picks or unrecorded moves",
            "Adjusts records through the proper process",
        ),
    ),
}

PROCEDURE_GENERIC = (
    T(
        "Walk me through, step by step, how you carry out {a} from start to finish, including "
        "the checks you make and what you record.",
        "{a}",
        (
            "Describes the steps in a clear, safe order",
            "Names the checks and standards that apply",
            "Explains what they record and when they escalate",
        ),
    ),
    T(
        "Imagine you are showing a new colleague how you handle {a}. Take me through it step "
        "by step, explaining why each step matters.",
        "{a}",
        (
            "Gives a complete, practical sequence of steps",
            "Explains the reason behind each step",
            "Adapts to the person and the situation",
        ),
    ),
)

PROCEDURE_IN_TOOL = T(
    "Walk me through, step by step, a task you do every week in {a}, including the checks "
    "you make and what you record.",
    "{a}",
    (
        "Describes real, hands-on use of {a}",
        "Names the checks that keep the work accurate",
        "Explains what they record and why",
    ),
)

PRO_SCENARIOS = {
    "healthcare": (
        T(
            "During a busy shift, a patient in your care shows a sudden change in vital signs "
            "while you are due to carry out {a} for another patient. How do you prioritise, and "
            "who do you involve?",
            "clinical prioritisation",
            (
                "Recognises the deteriorating patient as the priority",
                "Escalates using a structured handover such as SBAR",
                "Makes sure the other patient's {a} is delegated or rescheduled safely",
            ),
        ),
        T(
            "A patient's family is upset and says the {a} their relative received was not "
            "explained to them. How do you handle the conversation, and what do you do "
            "afterwards?",
            "communication with families",
            (
                "Listens and acknowledges the concern calmly",
                "Explains clearly within the limits of consent and confidentiality",
                "Documents the conversation and follows up",
            ),
        ),
    ),
    "finance": (
        T(
            "At month-end you find an unexplained difference while working on {a}, and the "
            "reporting deadline is tomorrow. What do you do?",
            "{a} under deadline",
            (
                "Investigates systematically, starting with the largest items",
                "Tells the reviewer early rather than hiding the issue",
                "Never forces a balancing entry without support",
            ),
        ),
        T(
            "A manager asks you to handle {a} in a way you believe is wrong, to make the "
            "numbers look better this quarter. How do you respond?",
            "professional integrity",
            (
                "Explains the rule and the risk clearly",
                "Escalates through the proper channel if pressed",
                "Documents the decision",
            ),
        ),
    ),
    "sales": (
        T(
            "A key prospect goes quiet after a promising meeting, and your forecast depends on "
            "the deal closing this month. How would you use {a} to move it forward?",
            "deal management",
            (
                "Re-engages with something of value, not just a chase",
                "Checks whether the forecast is still realistic",
                "Involves other contacts or decision makers",
            ),
        ),
        T(
            "A long-standing customer threatens to leave for a cheaper competitor. How do you "
            "handle it, and where does {a} come in?",
            "customer retention",
            (
                "Finds out the real reason behind the threat",
                "Reframes the conversation around value, not price alone",
                "Knows when a discount is and is not the answer",
            ),
        ),
    ),
    "education": (
        T(
            "A student repeatedly disrupts a lesson that depends on {a}. How do you respond in "
            "the moment, and what do you do afterwards?",
            "classroom response",
            (
                "De-escalates calmly and keeps the lesson going",
                "Follows the school's behaviour policy consistently",
                "Looks for the cause and involves parents or colleagues",
            ),
        ),
        T(
            "Half of the class did poorly on a test after a unit where you focused on {a}. "
            "What do you do next?",
            "responsive teaching",
            (
                "Analyses the results to find the misconceptions",
                "Reteaches differently rather than repeating",
                "Checks the gap has closed",
            ),
        ),
    ),
    "logistics": (
        T(
            "An urgent order must leave within the hour, but while you are handling {a} you "
            "find that stock the system shows is not on the shelf. What do you do?",
            "problem solving under time pressure",
            (
                "Checks likely locations and recent movements quickly",
                "Tells the supervisor and the customer team early",
                "Records the discrepancy so the system is corrected",
            ),
        ),
        T(
            "You notice a colleague cutting corners on {a} to keep up with targets, in a way "
            "that could cause an accident. What do you do?",
            "safety",
            (
                "Puts safety first and speaks up",
                "Raises it respectfully with the colleague and a supervisor",
                "Suggests a safer way to meet the target",
            ),
        ),
    ),
    "trades": (
        T(
            "You arrive at a job and find that earlier work on {a} was done unsafely and not to "
            "standard, and the customer is in a hurry. What do you do?",
            "safe working under pressure",
            (
                "Makes the situation safe before anything else",
                "Explains the problem honestly to the customer",
                "Records the defect and follows the regulations that apply",
            ),
        ),
        T(
            "Halfway through a job involving {a}, you find the fault is not what you expected "
            "and the quote no longer covers it. How do you handle it?",
            "diagnosis and customer communication",
            (
                "Diagnoses methodically before committing to a fix",
                "Tells the customer promptly and agrees the change before going on",
                "Keeps the work safe and documented throughout",
            ),
        ),
    ),
    "hospitality": (
        T(
            "In the middle of the busiest service of the week, something goes wrong with {a}. "
            "What do you do in the next ten minutes, and afterwards?",
            "service under pressure",
            (
                "Keeps guests served and safe while fixing the problem",
                "Communicates clearly with the team and the guests affected",
                "Looks at the cause afterwards so it does not happen again",
            ),
        ),
        T(
            "A guest complains loudly about {a} in front of other guests. How do you handle it?",
            "guest recovery",
            (
                "Listens, stays calm and takes the conversation somewhere quieter",
                "Puts things right within what they are allowed to offer",
                "Follows up and tells the team what happened",
            ),
        ),
    ),
    "support": (
        T(
            "A frustrated customer has contacted support three times about the same problem with "
            "{a}, and it is still not solved. How do you handle the fourth contact?",
            "customer recovery",
            (
                "Reads the history first so the customer does not repeat themselves",
                "Owns the problem and sets an honest next step and time",
                "Escalates with a clear, reproducible report when it is beyond them",
            ),
        ),
        T(
            "The ticket queue doubles after a release, many of the tickets about {a}. What do "
            "you do?",
            "queue triage",
            (
                "Spots the pattern and groups the tickets",
                "Tells engineering with evidence and shares a known answer with the team",
                "Keeps customers informed while the fix is on its way",
            ),
        ),
    ),
    "design": (
        T(
            "A stakeholder rejects your work on {a} two days before launch because they do not "
            "like it. How do you respond?",
            "design decisions with stakeholders",
            (
                "Asks what problem the stakeholder sees before defending the work",
                "Brings the evidence behind the design (research, tests, goals)",
                "Finds a way forward that keeps the launch and the users' needs",
            ),
        ),
        T(
            "Usability testing shows that users struggle with a design you are proud of, built "
            "around {a}. What do you do next?",
            "evidence-led iteration",
            (
                "Accepts the evidence and finds where users struggle",
                "Iterates with small changes and tests again",
                "Shares what was learned with the team",
            ),
        ),
    ),
    "general": (
        T(
            "Imagine you are asked to deliver work involving {a} under a tight deadline, and "
            "something goes wrong halfway through. How do you handle it?",
            "{a} under pressure",
            (
                "Assesses the impact before acting",
                "Communicates early with the people affected",
                "Learns from the problem afterwards",
            ),
        ),
        T(
            "A customer complains about work involving {a} that you believe was done "
            "correctly. How do you respond?",
            "customer handling",
            (
                "Listens fully before defending the work",
                "Checks the facts and explains clearly",
                "Agrees a fair resolution",
            ),
        ),
    ),
}

PRO_DEPTH_BY_LEVEL = {
    "junior": T(
        "What does good work in {a} look like, and how would you check that your own work "
        "meets that bar in your first months?",
        "{a}",
        (
            "Describes the standard of good {a}",
            "Names ways to get feedback and check their own work",
            "Shows willingness to ask for help",
        ),
    ),
    "mid": T(
        "What does excellent work in {a} look like in {role}, and how do you measure whether "
        "yours meets that bar?",
        "{a}",
        (
            "Defines good {a} concretely",
            "Names measures or signals of quality",
            "Gives an example of improving their own practice",
        ),
    ),
    "senior": T(
        "How would you improve the way a team handles {a}, and how would you know the change "
        "worked?",
        "{a} improvement",
        (
            "Starts from the current problems and evidence",
            "Introduces change in a way the team accepts",
            "Measures the result",
        ),
    ),
}

PRO_DEPTH_ANY_LEVEL = (
    T(
        "Tell me about the hardest problem you have solved in {a}. What made it hard, and what "
        "would you do differently now?",
        "{a} problem solving",
        (
            "Describes a real, specific problem in {a}",
            "Explains their own reasoning and actions",
            "Reflects honestly on what they would change",
        ),
    ),
    T(
        "Which standards, checks or rules matter most when you do {a}, and how do you make sure "
        "they are met every time?",
        "{a} standards",
        (
            "Names the standards or rules that apply to {a}",
            "Describes the checks they use routinely",
            "Explains what they do when something falls short",
        ),
    ),
)

PRO_LEADERSHIP = T(
    "A member of your team keeps making errors in {a}. How do you address it, and how do you "
    "support them to improve?",
    "leadership",
    (
        "Addresses the issue early, privately and with facts",
        "Looks for causes such as training, workload or process",
        "Agrees a plan, follows up and recognises progress",
    ),
)

PRO_HR = {
    "healthcare": T(
        "Tell me about a time you had to deliver difficult news to a patient or their family "
        "while providing {a}. How did you approach it?",
        "compassionate communication",
        (
            "Prepared and chose the right setting",
            "Communicated honestly with empathy",
            "Supported the person afterwards and involved the team",
        ),
    ),
    "finance": T(
        "Tell me about a time you found an error in a colleague's work on {a}. How did you "
        "raise it, and what happened?",
        "integrity and teamwork",
        (
            "Raised it promptly and without blame",
            "Helped fix the error and its cause",
            "Kept the relationship constructive",
        ),
    ),
    "sales": T(
        "Tell me about a deal you lost despite strong {a}. What did you learn, and what do you "
        "do differently now?",
        "resilience",
        (
            "Is honest about their own part in the loss",
            "Draws a concrete lesson",
            "Shows a change in their approach since",
        ),
    ),
    "education": T(
        "Tell me about a time you worked with a parent or colleague to help a struggling "
        "student. What part did {a} play?",
        "collaboration",
        (
            "Describes a specific student and situation (anonymised)",
            "Worked in partnership with others",
            "Shows the effect on the student's progress",
        ),
    ),
    "logistics": T(
        "Tell me about a time you helped your team hit a tough target without compromising "
        "{a}. What did you do?",
        "teamwork",
        (
            "Describes their own actions, not just the team's",
            "Kept safety and accuracy in view",
            "Reflects on what made it work",
        ),
    ),
    "trades": T(
        "Tell me about a time you refused to cut a corner on {a}, even though someone wanted "
        "the job done faster. What happened?",
        "integrity and safety",
        (
            "Describes a concrete situation and the risk involved",
            "Explained the reason calmly to the person pushing",
            "Shows the outcome and what it taught them",
        ),
    ),
    "hospitality": T(
        "Tell me about a time you helped a colleague during a difficult shift while keeping "
        "{a} up to standard. What did you do?",
        "teamwork",
        (
            "Describes their own actions during the shift",
            "Kept quality and guests in view",
            "Reflects on what made the team work",
        ),
    ),
    "support": T(
        "Tell me about a time you turned an angry customer into a satisfied one while working "
        "on {a}. What did you do?",
        "empathy and ownership",
        (
            "Describes the customer's problem and feelings accurately",
            "Took ownership rather than passing the customer on",
            "Shows the result and what they learned",
        ),
    ),
    "design": T(
        "Tell me about a piece of feedback on your {a} work that changed how you design. What "
        "was it, and what did you change?",
        "openness to feedback",
        (
            "Describes specific, hard feedback",
            "Shows how they weighed it rather than simply accepting or rejecting it",
            "Names a lasting change in their practice",
        ),
    ),
    "general": T(
        "Tell me about a time you had to learn {a} quickly to get a job done. How did you "
        "approach it?",
        "learning agility",
        (
            "Describes a concrete situation",
            "Explains a structured way of learning",
            "Shows the result",
        ),
    ),
}

PRO_HR_ANY_LEVEL = (
    T(
        "Why does {role} interest you, and what do you want to develop in {a} over the next year?",
        "motivation",
        (
            "Shows genuine, specific interest in the role",
            "Names a concrete area of {a} to develop",
            "Links it to past experience",
        ),
    ),
    T(
        "Tell me about a time you trained or coached a colleague in {a}. How did you know it "
        "had worked?",
        "coaching",
        (
            "Describes a concrete coaching situation",
            "Adapted to how the colleague learns",
            "Checked the result",
        ),
    ),
)
