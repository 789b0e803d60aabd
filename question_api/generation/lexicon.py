"""The skills the offline generator recognises in a job description, one table per domain.

One skill a line, `name = group : alias ; alias ...`; an indented line carries on the aliases.
Aliases are regular expressions matched without regard to case on word boundaries;
`(?-i:...)` makes one case-sensitive (Go, SAP, Rails). `group` decides which question templates
fit the skill: software groups (language, backend, frontend, database, ...) or, elsewhere,
procedure, knowledge, tool and practice.
"""

import re
from dataclasses import dataclass, field
from typing import Literal

Domain = Literal[
    "software", "healthcare", "finance", "sales", "education", "logistics", "trades",
    "hospitality", "support", "design", "general",
]  # fmt: skip


@dataclass(frozen=True)
class Skill:
    """A skill: `name` keys the templates, `label` is how questions write it."""

    name: str
    group: str
    domain: Domain
    pattern: re.Pattern[str] = field(compare=False, repr=False)
    written: str | None = None  # the description's own spelling, when it is a proper name

    @property
    def label(self) -> str:
        return self.written or self.name


def skill_pattern(*aliases: str) -> re.Pattern[str]:
    """Any of `aliases`, as a whole word (so "Java" never matches inside "JavaScript")."""
    body = "|".join(aliases)
    return re.compile(rf"(?<![\w+#.])(?:{body})(?![\w+#])", re.IGNORECASE)


def parse_table(domain: Domain, table: str) -> tuple[Skill, ...]:
    """The skills of one table (see the module docstring for its format)."""
    entries: list[tuple[str, list[str]]] = []
    for line in table.splitlines():
        if not line.strip():
            continue
        if line[0].isspace():
            entries[-1][1].extend(line.strip().lstrip(";").split(" ; "))
        else:
            head, aliases = line.split(" : ", 1)
            entries.append((head, aliases.split(" ; ")))
    skills = []
    for head, alias_list in entries:
        name, group = head.split(" = ")
        pattern = skill_pattern(*(alias.strip() for alias in alias_list))
        skills.append(Skill(name, group, domain, pattern))
    return tuple(skills)


_SOFTWARE = r"""
Python = language : Python
Java = language : Java
JavaScript = language : JavaScript ; ECMAScript ; ES6
TypeScript = language : TypeScript
Go = language : (?-i:Golang)
    ; (?-i:Go(?=\s*(?:,|/|\)|and\b|or\b|developer|engineer|programming|services?\b|microservices)))
Rust = language : (?-i:Rust)
C++ = language : C\+\+
C# = language : C#
Kotlin = language : Kotlin
Swift = language : (?-i:Swift)
Ruby = language : Ruby(?! on Rails)
PHP = language : PHP
Scala = language : Scala
SQL = language : SQL ; T-SQL ; PL/SQL
Bash = language : Bash ; shell scripting
Django = backend : Django(?: REST Framework)? ; DRF
Flask = backend : Flask
FastAPI = backend : FastAPI
Spring Boot = backend : (?-i:Spring Boot) ; (?-i:Spring(?: Framework)?)
Node.js = backend : Node\.?js ; Node(?=\s*(?:,|/|\)|and\b|backend|developer))
Express = backend : (?-i:Express(?:\.js)?(?=\s*(?:,|/|\)|and\b|or\b|framework|APIs?)))
.NET = backend : \.NET(?: Core)? ; ASP\.NET(?: Core)? ; dotnet
Ruby on Rails = backend : Ruby on Rails ; (?-i:Rails)
Laravel = backend : Laravel
Hibernate = backend : Hibernate ; JPA
Celery = messaging : Celery
REST APIs = backend : (?-i:REST(?:ful)?(?: APIs?| services?)?)
GraphQL = backend : GraphQL
gRPC = backend : gRPC
React = frontend : (?-i:React)(?:\.js|JS)?(?! Native)
Next.js = frontend : Next\.?js
Angular = frontend : Angular
Vue = frontend : Vue(?:\.js)?
Redux = frontend : Redux
HTML = frontend : HTML5?
CSS = frontend : CSS3? ; Sass ; SCSS
Tailwind CSS = frontend : Tailwind(?: CSS)?
accessibility = frontend : accessibility ; WCAG ; a11y
responsive design = frontend : responsive (?:design|layouts?|web design)
state management = frontend : state management
Webpack = frontend : Webpack ; Vite
React Native = mobile : React Native
Flutter = mobile : Flutter
Android = mobile : Android
iOS = mobile : (?-i:iOS)
PostgreSQL = database : PostgreSQL ; Postgres
MySQL = database : MySQL
SQLite = database : SQLite
MongoDB = database : MongoDB ; Mongo
Redis = database : Redis
Elasticsearch = database : Elasticsearch ; OpenSearch
Cassandra = database : Cassandra
DynamoDB = database : DynamoDB
Oracle Database = database : (?-i:Oracle(?: DB| Database)?)
SQL Server = database : SQL Server ; MSSQL
Kafka = messaging : (?:Apache )?Kafka
RabbitMQ = messaging : RabbitMQ
event-driven architecture = architecture : event[- ]driven(?: architecture| systems?)?
Spark = data : (?:Apache )?Spark ; PySpark
Airflow = data : (?:Apache )?Airflow
dbt = data : dbt
Snowflake = data : Snowflake
BigQuery = data : BigQuery
Redshift = data : Redshift
Databricks = data : Databricks
Hadoop = data : Hadoop
ETL = data_practice : ETL ; ELT ; extract[, ]+transform(?:,)? and load
data pipelines = data_practice : data pipelines?
data modelling = data_practice : data model(?:l)?ing ; dimensional model(?:l)?ing
data warehousing = data_practice : data warehous(?:e|es|ing)
data quality = data_practice : data quality
stream processing = data_practice : stream(?:ing)? processing ; real[- ]time streaming
pandas = data : pandas
NumPy = data : NumPy
Tableau = analytics : Tableau
Power BI = analytics : Power ?BI
machine learning = ml : machine learning
    ; (?-i:ML)(?=\s*(?:,|/|\)|and\b|models?|engineer|pipelines?))
PyTorch = ml : PyTorch
TensorFlow = ml : TensorFlow
scikit-learn = ml : scikit-learn ; sklearn
AWS = cloud : AWS ; Amazon Web Services
Azure = cloud : (?:Microsoft )?Azure
Google Cloud = cloud : GCP ; Google Cloud(?: Platform)?
Docker = cloud : Docker ; containeri[sz]ation
Kubernetes = cloud : Kubernetes ; k8s ; EKS ; GKE ; AKS
Terraform = cloud : Terraform ; infrastructure as code ; (?-i:IaC)
Ansible = cloud : Ansible
Linux = cloud : Linux
Git = devops : Git
CI/CD = ci : CI/CD ; CI / CD ; continuous (?:integration|delivery|deployment)
GitHub Actions = ci : GitHub Actions
Jenkins = ci : Jenkins
GitLab CI = ci : GitLab(?: CI)?
monitoring = monitoring : monitoring and alerting ; observability ; Prometheus ; Grafana ; Datadog
automated testing = testing : (?:unit|automated|integration|end[- ]to[- ]end|software) test(?:s|ing)
    ; test automation ; (?-i:TDD) ; test[- ]driven development
pytest = testing : pytest
JUnit = testing : JUnit
Jest = testing : (?-i:Jest)
Cypress = testing : Cypress
Playwright = testing : Playwright
Maven = devops : Maven ; Gradle
microservices = architecture : micro-?services?(?: architecture)?
system design = architecture : system design ; software architecture
distributed systems = architecture : distributed systems
security = security : (?:application |web |software )?security ; secure coding ; OWASP
    ; OAuth ?2?(?:\.0)?
performance optimisation = architecture : performance (?:optimi[sz]ation|tuning)
    ; web performance ; high[- ]performance
caching = architecture : caching
concurrency = architecture : concurrency ; multithreading ; multi-threading
    ; async(?:hronous)? programming
data structures and algorithms = language : data structures(?: and algorithms)? ; algorithms
    ; DSA
object-oriented design = architecture : object[- ]oriented(?: design| programming)? ; OOP
    ; design patterns ; (?-i:SOLID)
code review = practice : code reviews?
Agile = practice : Agile ; Scrum ; Kanban
API design = backend : API design
"""

_HEALTHCARE = r"""
patient care = practice : patient care ; direct care ; nursing care ; person[- ]centred care
medication administration = procedure : medication administration
    ; administer(?:ing)? medications? ; medicines? management ; drug rounds?
patient assessment = procedure : patient assessments? ; clinical assessments?
    ; nursing assessments?
wound care = procedure : wound care ; wound management ; dressings
vital signs = procedure : vital signs ; patient observations ; (?-i:NEWS2?)
IV therapy = procedure : IV therapy ; intravenous(?: therapy)? ; cannulation
infection control = knowledge : infection (?:prevention and )?control ; infection prevention
care planning = practice : care plan(?:s|ning)?
triage = procedure : triage
electronic health records = tool : electronic (?:health|medical|patient) records? ; EHR ; EMR
    ; (?-i:Epic) ; Cerner
patient safety = knowledge : patient safety
patient education = practice : patient education ; health education
Basic Life Support = procedure : Basic Life Support ; (?-i:BLS) ; (?-i:ACLS)
    ; Advanced Life Support ; (?-i:CPR)
clinical documentation = practice : clinical documentation ; nursing documentation
    ; record[- ]keeping
discharge planning = practice : discharge planning
palliative care = practice : palliative(?: care)? ; end[- ]of[- ]life care
HIPAA = knowledge : HIPAA
"""

_FINANCE = r"""
IFRS = knowledge : IFRS(?: \d+)? ; International Financial Reporting Standards
GAAP = knowledge : (?:US |UK )?GAAP
reconciliation = procedure : (?:bank |account |balance sheet |intercompany )?reconciliations?
    ; reconcil(?:e|ing) accounts
month-end close = procedure : month[- ]end(?: close| closing)? ; year[- ]end(?: close)?
    ; period[- ]end close
financial reporting = practice : financial reporting ; financial statements
    ; management accounts
accounts payable = procedure : accounts payable ; (?-i:AP)(?= and| processing) ; purchase ledger
accounts receivable = procedure : accounts receivable ; sales ledger ; credit control
general ledger = tool : general ledger ; nominal ledger
journal entries = procedure : journal entries ; journals ; accruals ; prepayments
budgeting = practice : budget(?:ing|s)?
forecasting = practice : forecast(?:ing|s)?
variance analysis = procedure : variance analysis
audit = knowledge : audits? ; auditing ; auditors
tax compliance = knowledge : tax(?: compliance| returns?)? ; VAT ; sales tax ; corporation tax
payroll = procedure : payroll
cash flow = practice : cash[- ]?flow(?: management)? ; cash management
internal controls = knowledge : internal controls? ; SOX ; Sarbanes-Oxley
SAP = tool : (?-i:SAP(?: S/4HANA| FI(?:/CO)?)?)
QuickBooks = tool : QuickBooks
Xero = tool : Xero
NetSuite = tool : NetSuite
Excel = tool : (?-i:(?:Microsoft |MS )?Excel)
"""

_SALES = r"""
prospecting = procedure : prospecting ; outbound prospecting
lead generation = procedure : lead generation ; lead gen
cold calling = procedure : cold[- ]call(?:ing|s)? ; cold outreach
Salesforce = tool : Salesforce
HubSpot = tool : HubSpot
CRM = tool : CRM(?: systems?| software)?
pipeline management = practice : (?:sales )?pipeline management
    ; managing (?:a |the )?(?:sales )?pipeline
negotiation = practice : negotiat(?:ion|ing|e)
account management = practice : account management ; key accounts?
closing deals = procedure : closing (?:deals|sales) ; close deals
product demos = procedure : (?:product )?demos?(?: and presentations)? ; product demonstrations?
B2B sales = knowledge : B2B(?: sales)? ; business-to-business
sales targets = practice : (?:sales )?quotas? ; sales targets? ; revenue targets?
upselling = procedure : upsell(?:ing)? ; cross-sell(?:ing)?
customer relationships = practice : customer relationships? ; client relationships?
    ; relationship building
"""

_EDUCATION = r"""
lesson planning = procedure : lesson plan(?:s|ning)? ; planning lessons
classroom management = practice : classroom management
behaviour management = practice : behaviou?r management
curriculum = knowledge : (?:national )?curriculum ; schemes? of work
differentiated instruction = procedure : differentiat(?:ed|ion)(?: instruction| teaching)?
student assessment = procedure : (?:student|pupil|formative|summative) assessments? ; marking
    ; assessment for learning
special educational needs = knowledge : special educational needs ; (?-i:SEND?) ; special needs
parent communication = practice : parent(?:al)? communication
    ; communicat(?:e|ion|ing) with parents ; parents' evenings?
Google Classroom = tool : Google Classroom ; EdTech
"""

_LOGISTICS = r"""
inventory management = practice : inventory(?: management| control)? ; stock control
    ; stock management
forklift operation = procedure : forklifts?(?: operation| licen[cs]e| trucks?)? ; reach trucks?
    ; pallet trucks?
picking and packing = procedure : pick(?:ing)? and pack(?:ing)? ; order picking ; picking
goods receiving = procedure : goods[- ]in ; goods receiving ; receiving goods
    ; shipping and receiving
loading and dispatch = procedure : loading and unloading
    ; loading (?:bays?|trucks|vehicles|lorries) ; (?:order |goods )dispatch ; despatch
cycle counts = procedure : cycle counts?(?:ing)? ; stock counts?(?:ing)? ; stocktakes?
warehouse management system = tool : warehouse management systems? ; WMS
RF scanners = tool : RF scanners? ; handheld scanners? ; barcode scanners?
health and safety = knowledge : health (?:and|&) safety ; manual handling ; COSHH
"""

_GENERAL = r"""
safeguarding = knowledge : safeguarding(?: adults| children)? ; child protection
customer service = practice : customer (?:service|support|care)
ticket handling = procedure : ticket(?:ing| handling| queues?) ; support tickets
Zendesk = tool : Zendesk ; Freshdesk ; ServiceNow ; Intercom
written communication = practice : written communication
stakeholder management = practice : stakeholder management ; managing stakeholders
project management = practice : project management
user stories = procedure : user stories
product roadmap = practice : (?:product )?roadmaps?
food safety = knowledge : food (?:safety|hygiene)
menu planning = procedure : menu planning
Microsoft Office = tool : (?:Microsoft |MS )?Office(?: 365)? ; Google Workspace
"""

LEXICON: tuple[Skill, ...] = (
    *parse_table("software", _SOFTWARE),
    *parse_table("healthcare", _HEALTHCARE),
    *parse_table("finance", _FINANCE),
    *parse_table("sales", _SALES),
    *parse_table("education", _EDUCATION),
    *parse_table("logistics", _LOGISTICS),
    *parse_table("general", _GENERAL),
)
