"""Varied job descriptions, each with skills it names that its questions should name too.

`skills` are the description's own key skills; an offline set must name at least
`Job.min_named` of them (five questions cannot cover every skill of a long description).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    area: str
    description: str
    skills: tuple[str, ...]
    min_named: int = 2


JOBS = (
    Job(
        "python_django",
        "software",
        "We are hiring a Python developer to build our booking platform with Django and "
        "PostgreSQL. You will write REST APIs, background jobs with Celery, and keep our unit "
        "testing and CI/CD pipeline healthy.",
        ("Python", "Django", "PostgreSQL", "Celery"),
        3,
    ),
    Job(
        "react_frontend",
        "software",
        "Frontend Engineer: build accessible, responsive web apps with React and TypeScript. "
        "Experience with Redux, Jest and Next.js is a plus; you care about web performance.",
        ("React", "TypeScript", "Redux", "Jest", "Next.js"),
        3,
    ),
    Job(
        "java_kafka",
        "software",
        "Senior Java engineer to design event-driven microservices with Spring Boot and Kafka, "
        "deployed on Kubernetes in AWS. 6+ years of experience.",
        ("Java", "Spring Boot", "Kafka", "Kubernetes"),
        3,
    ),
    Job(
        "go_platform",
        "software",
        "Platform engineer writing Go services and Terraform modules for our internal "
        "developer platform. You will run Kubernetes clusters, own observability with "
        "Prometheus and handle on-call incidents.",
        ("Go", "Terraform", "Kubernetes", "Prometheus", "on-call"),
    ),
    Job(
        "mobile_ios",
        "software",
        "iOS developer to build our banking app in Swift and SwiftUI. Experience with Core "
        "Data, offline sync and App Store releases; you write XCTest unit tests.",
        ("Swift", "SwiftUI", "Core Data", "offline sync", "XCTest"),
    ),
    Job(
        "data_engineer",
        "data",
        "Data Engineer: build and maintain data pipelines with Spark and Airflow, model data in "
        "SQL on Snowflake, and own data quality for our analytics team.",
        ("Spark", "Airflow", "SQL", "Snowflake", "data quality"),
        3,
    ),
    Job(
        "data_scientist",
        "data",
        "Senior data scientist for our marketplace. You will design A/B testing programmes, "
        "use causal inference to measure the impact of pricing changes, and build uplift "
        "models. Python and pandas daily; experience with Bayesian statistics is a plus.",
        ("A/B testing", "causal inference", "uplift models", "Bayesian statistics", "pandas"),
        2,
    ),
    Job(
        "data_analyst",
        "data",
        "Data analyst to own our sales dashboards in Power BI, write SQL against the warehouse, "
        "and present insights on customer churn and cohort analysis to the leadership team.",
        ("Power BI", "SQL", "customer churn", "cohort analysis"),
    ),
    Job(
        "product_designer",
        "design",
        "Product designer for a B2B analytics tool. You will run user research, build "
        "wireframes and prototypes in Figma, maintain our design system and run usability "
        "testing with customers.",
        ("user research", "Figma", "design system", "usability testing", "wireframes"),
    ),
    Job(
        "graphic_designer",
        "design",
        "Graphic designer for a publishing house: book cover design, typography, print "
        "production and Adobe InDesign layouts; you manage brand guidelines for three imprints.",
        ("book cover design", "typography", "print production", "Adobe InDesign"),
    ),
    Job(
        "account_executive",
        "sales",
        "Account Executive for B2B SaaS: prospecting, product demos, pipeline management in "
        "Salesforce and negotiation to close deals against a quarterly quota.",
        ("prospecting", "pipeline management", "negotiation", "Salesforce"),
        3,
    ),
    Job(
        "retail_sales",
        "sales",
        "Sales assistant in a premium electronics store: greet customers, explain products, "
        "handle returns and exchanges, meet weekly sales targets, and keep visual "
        "merchandising up to standard.",
        ("returns and exchanges", "sales targets", "visual merchandising"),
    ),
    Job(
        "registered_nurse",
        "nursing",
        "Registered Nurse for a busy surgical ward. You will provide patient care, medication "
        "administration, wound care and infection control, and keep accurate clinical "
        "documentation in our electronic health records.",
        ("patient care", "medication administration", "wound care", "infection control"),
        3,
    ),
    Job(
        "icu_nurse",
        "nursing",
        "ICU nurse: care for ventilated patients, manage sedation and vasoactive infusions, "
        "respond to deterioration with the outreach team, and support families.",
        ("ventilated patients", "sedation", "vasoactive infusions", "deterioration"),
    ),
    Job(
        "electrician",
        "skilled trades",
        "Qualified electrician for commercial fit-outs: first and second fix wiring, "
        "distribution boards, fault finding, and testing and inspection to BS 7671. "
        "18th Edition and a full driving licence required.",
        ("fault finding", "testing and inspection", "distribution boards", "BS 7671"),
    ),
    Job(
        "plumber",
        "skilled trades",
        "Plumber and heating engineer: boiler installation and servicing, central heating "
        "systems, leak detection and bathroom refits. Gas Safe registration essential.",
        ("boiler installation", "central heating", "leak detection", "Gas Safe"),
    ),
    Job(
        "welder",
        "skilled trades",
        "Welder fabricator: MIG and TIG welding of stainless steel, reading engineering "
        "drawings, weld inspection, and working safely in a busy fabrication shop.",
        ("TIG welding", "engineering drawings", "weld inspection", "stainless steel"),
    ),
    Job(
        "accountant",
        "finance",
        "Accountant to own the month-end close, bank reconciliations and financial reporting "
        "under IFRS. Experience with SAP and Excel; you will support the annual audit.",
        ("month-end close", "reconciliation", "IFRS", "SAP", "audit"),
        3,
    ),
    Job(
        "financial_analyst",
        "finance",
        "Financial analyst (FP&A): build the annual budget and rolling forecasts, variance "
        "analysis for business partners, and financial modelling for investment cases.",
        ("budget", "forecast", "variance analysis", "financial modelling"),
    ),
    Job(
        "support_agent",
        "support",
        "Customer support specialist for our software product: answer tickets in Zendesk, "
        "troubleshoot login and billing issues, write help-centre articles, and escalate bugs "
        "to engineering. Fluent English required.",
        ("Zendesk", "troubleshoot", "help-centre articles", "escalate bugs"),
    ),
    Job(
        "it_helpdesk",
        "support",
        "IT helpdesk technician: first-line support for 400 staff, Active Directory accounts, "
        "laptop imaging, printer faults, and ticket triage in ServiceNow.",
        ("Active Directory", "laptop imaging", "ServiceNow", "printer faults"),
    ),
    Job(
        "operations_manager",
        "management",
        "Operations manager for a contact centre of 60 agents: workforce planning, service "
        "level targets, coaching team leaders, budget ownership and process improvement.",
        ("workforce planning", "service level", "coaching", "process improvement"),
    ),
    Job(
        "project_manager",
        "management",
        "Project manager for construction projects: programme scheduling, risk registers, "
        "subcontractor management, cost control and stakeholder management with clients.",
        ("programme scheduling", "risk registers", "subcontractor management", "cost control"),
    ),
    Job(
        "engineering_manager",
        "management",
        "Engineering manager leading two teams building our payments platform in Java. You "
        "will hire and grow engineers, run delivery planning, own incident reviews and set "
        "technical direction with the architects.",
        ("hire", "delivery planning", "incident reviews", "Java"),
    ),
    Job(
        "maths_teacher",
        "teaching",
        "Secondary maths teacher: lesson planning, classroom management, differentiated "
        "instruction and formative assessment; safeguarding training required.",
        ("lesson planning", "classroom management", "differentiated instruction"),
        3,
    ),
    Job(
        "primary_teacher",
        "teaching",
        "Primary school teacher for Year 2: phonics teaching, early reading, behaviour "
        "management and working with teaching assistants to support pupils with SEND.",
        ("phonics", "early reading", "behaviour management", "teaching assistants"),
    ),
    Job(
        "language_tutor",
        "teaching",
        "Spanish tutor for adult learners online: conversation practice, grammar explanations, "
        "DELE exam preparation and designing course materials.",
        ("conversation practice", "grammar", "DELE exam preparation", "course materials"),
    ),
    Job(
        "chef",
        "hospitality",
        "Sous chef for a busy bistro: run the pass, menu planning, stock ordering, food safety "
        "and HACCP records, and train commis chefs.",
        ("menu planning", "stock ordering", "food safety", "HACCP", "commis chefs"),
    ),
    Job(
        "hotel_receptionist",
        "hospitality",
        "Hotel front desk agent: check-in and check-out, reservations in Opera PMS, handling "
        "guest complaints, upselling room upgrades and night audit cover.",
        ("check-in", "Opera PMS", "guest complaints", "night audit"),
    ),
    Job(
        "barista",
        "hospitality",
        "Barista for a specialty coffee shop: espresso extraction, latte art, milk steaming, "
        "cleaning schedules and friendly service during the morning rush.",
        ("espresso extraction", "latte art", "milk steaming", "cleaning schedules"),
    ),
    Job(
        "warehouse_operative",
        "logistics",
        "Warehouse operative: picking and packing orders, forklift operation (licence "
        "required), goods-in, stock counts and following health and safety rules.",
        ("picking and packing", "forklift operation", "health and safety", "goods"),
        3,
    ),
    Job(
        "delivery_driver",
        "logistics",
        "Delivery driver (7.5 tonne): route planning, vehicle checks, proof of delivery on a "
        "handheld device, tachograph rules and safe loading.",
        ("route planning", "vehicle checks", "proof of delivery", "tachograph"),
    ),
    Job(
        "supply_chain_planner",
        "logistics",
        "Supply chain planner: demand planning, supplier lead times, safety stock levels, "
        "S&OP meetings and purchase orders in SAP.",
        ("demand planning", "supplier lead times", "safety stock", "S&OP"),
    ),
)
