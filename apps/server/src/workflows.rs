//! Saving, reading, listing and deleting an owner's workflows; publishing each under the
//! seed's `apiPath`. Saving compiles: the answer carries the diagnostics, and a workflow with
//! errors is kept as a draft (the editor needs them) but its API answers 422 until fixed.

use crate::error::ApiError;
use orchestrix_domain::{
    ApiSlug, CollectionDef, Diagnostic, ErrorCode, NodeKind, PublishedApi, UserId, Workflow,
    WorkflowId, WorkflowRecord, WorkflowSource,
};
use orchestrix_engine::{CompileOptions, Compiled, compile};
use orchestrix_store::{CollectionDefs, DocumentStore, PublishedApis, Workflows};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::RwLock;

/// The body of `POST /workflows` and `PUT /workflows/{id}`. `ownerId` may be sent by seed
/// clients; it is ignored (the caller is the owner).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SaveWorkflow {
    #[serde(default)]
    pub workflow_id: Option<String>,
    #[serde(default)]
    pub api_name: Option<String>,
    #[serde(default)]
    pub steps: Option<Vec<Value>>,
    #[serde(default)]
    pub nodes: Option<Vec<Value>>,
    #[serde(default)]
    pub edges: Option<Vec<Value>>,
    #[serde(default)]
    pub input_variables: Option<Vec<Value>>,
}

/// The body of `POST /workflows/validate`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ValidateWorkflow {
    #[serde(default)]
    pub steps: Option<Vec<Value>>,
    #[serde(default)]
    pub nodes: Option<Vec<Value>>,
    #[serde(default)]
    pub edges: Option<Vec<Value>>,
}

fn source_of(
    steps: Option<Vec<Value>>,
    nodes: Option<Vec<Value>>,
    edges: Option<Vec<Value>>,
) -> Result<WorkflowSource, ApiError> {
    let steps = match (steps, nodes) {
        (Some(s), None) | (None, Some(s)) => s,
        (Some(_), Some(_)) => return Err(invalid("steps", "send either steps or nodes, not both")),
        (None, None) => return Err(invalid("steps", "a workflow needs steps (or nodes)")),
    };
    Ok(WorkflowSource {
        steps,
        edges: edges.unwrap_or_default(),
    })
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::msg(ErrorCode::ValidationFailed, format!("{field}: {message}"))
        .details(json!({ field: [message] }))
}

/// Whether `PUT` may create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveMode {
    CreateOrUpdate,
    UpdateOnly,
}

pub struct Saved {
    pub record: WorkflowRecord,
    pub diagnostics: Vec<Diagnostic>,
}

/// A published API with its workflow compiled for the version it was published at.
pub struct PublishedPlan {
    pub api: PublishedApi,
    pub compiled: Compiled,
}

#[derive(Clone)]
pub struct WorkflowCatalog {
    workflows: Workflows,
    published: PublishedApis,
    definitions: CollectionDefs,
    max_nodes: usize,
    /// Plans compiled once per workflow version.
    plans: Arc<RwLock<HashMap<WorkflowId, Arc<PublishedPlan>>>>,
}

/// Parses a workflow id from a path; anything malformed simply does not exist.
pub fn path_id(raw: &str) -> Result<WorkflowId, ApiError> {
    WorkflowId::parse(raw).map_err(|_| not_found())
}

fn not_found() -> ApiError {
    ApiError::msg(ErrorCode::NotFound, "Workflow not found")
}

impl WorkflowCatalog {
    pub fn new(store: Arc<dyn DocumentStore>, max_nodes: usize) -> Self {
        Self {
            workflows: Workflows::new(store.clone()),
            published: PublishedApis::new(store.clone()),
            definitions: CollectionDefs::new(store),
            max_nodes,
            plans: Arc::default(),
        }
    }

    async fn catalogue(&self, owner: &UserId) -> Result<Vec<CollectionDef>, ApiError> {
        Ok(self.definitions.list_for_owner(owner).await?)
    }

    /// Compiles without saving (the editor's live check).
    pub async fn validate(
        &self,
        owner: &UserId,
        body: ValidateWorkflow,
    ) -> Result<Vec<Diagnostic>, ApiError> {
        let source = source_of(body.steps, body.nodes, body.edges)?;
        let workflow = Workflow::normalize(&source).map_err(|e| invalid("steps", &e.reason))?;
        let options = CompileOptions {
            max_nodes: self.max_nodes,
            collections: Some(self.catalogue(owner).await?),
        };
        Ok(compile(&workflow, &options).diagnostics)
    }

    /// Creates or updates a workflow of `owner`, compiles and publishes it.
    pub async fn save(
        &self,
        owner: &UserId,
        path_id: Option<WorkflowId>,
        body: SaveWorkflow,
        mode: SaveMode,
    ) -> Result<Saved, ApiError> {
        let id = match (
            path_id,
            body.workflow_id.as_deref().filter(|s| !s.is_empty()),
        ) {
            (Some(id), _) => id,
            (None, Some(raw)) => {
                WorkflowId::parse(raw).map_err(|e| invalid("workflowId", &e.reason))?
            }
            (None, None) => WorkflowId::generate(),
        };
        let existing = match self.workflows.get(&id).await? {
            Some(w) if &w.owner_id != owner => return Err(not_found()),
            other => other,
        };
        if existing.is_none() && mode == SaveMode::UpdateOnly {
            return Err(not_found());
        }
        let api_name = body
            .api_name
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .or_else(|| existing.as_ref().map(|w| w.api_name.clone()))
            .ok_or_else(|| invalid("apiName", "is required"))?;
        if api_name.chars().count() > 200 {
            return Err(invalid("apiName", "must be at most 200 characters"));
        }
        let slug = ApiSlug::from_name(&api_name).map_err(|e| invalid("apiName", &e.reason))?;
        let source = source_of(body.steps, body.nodes, body.edges)?;
        let workflow = Workflow::normalize(&source).map_err(|e| invalid("steps", &e.reason))?;
        let options = CompileOptions {
            max_nodes: self.max_nodes,
            collections: Some(self.catalogue(owner).await?),
        };
        let diagnostics = compile(&workflow, &options).diagnostics;

        let now = chrono::Utc::now();
        let record = WorkflowRecord {
            api_path: PublishedApi::path_for(&id, &slug),
            workflow_id: id.clone(),
            owner_id: owner.clone(),
            api_name: api_name.clone(),
            input_variables: body
                .input_variables
                .unwrap_or_else(|| declared_inputs(&workflow)),
            steps: source.steps,
            edges: source.edges,
            version: existing.as_ref().map_or(1, |w| w.version + 1),
            created_at: existing.as_ref().map_or(now, |w| w.created_at),
            updated_at: now,
        };
        // The check above answers the common case; this makes a race for a new id safe too.
        if !self.workflows.save_owned(&record).await? {
            return Err(not_found());
        }
        let api = PublishedApi {
            workflow_id: id,
            owner_id: owner.clone(),
            api_name,
            slug,
            version: record.version,
            published_at: now,
        };
        self.published.upsert(&api).await?;
        Ok(Saved {
            record,
            diagnostics,
        })
    }

    pub async fn get(&self, owner: &UserId, id: &WorkflowId) -> Result<WorkflowRecord, ApiError> {
        match self.workflows.get(id).await? {
            Some(w) if &w.owner_id == owner => Ok(w),
            _ => Err(not_found()),
        }
    }

    /// The OpenAPI document of a published workflow (public: anyone may read how to call it).
    pub async fn api_document(&self, id: &WorkflowId) -> Result<Value, ApiError> {
        let record = self.workflows.get(id).await?.ok_or_else(not_found)?;
        if self.published.get_by_workflow(id).await?.is_none() {
            return Err(not_found());
        }
        let source = WorkflowSource {
            steps: record.steps.clone(),
            edges: record.edges.clone(),
        };
        let workflow = Workflow::normalize(&source).map_err(|e| {
            ApiError::internal(format!("stored workflow {id} no longer parses: {e}"))
        })?;
        let definitions = self.catalogue(&record.owner_id).await?;
        Ok(crate::api_document::document(
            &record,
            &workflow,
            &definitions,
        ))
    }

    pub async fn list(&self, owner: &UserId) -> Result<Vec<WorkflowRecord>, ApiError> {
        Ok(self.workflows.list_for_owner(owner).await?)
    }

    /// Deletes and unpublishes.
    pub async fn delete(&self, owner: &UserId, id: &WorkflowId) -> Result<(), ApiError> {
        self.get(owner, id).await?;
        self.published.delete_by_workflow(id).await?;
        self.workflows.delete(id).await?;
        self.plans
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        Ok(())
    }

    /// The plan behind `/workflow/run/{id}/{slug}`. One read per call (the published API's
    /// version, so that a save on another instance is seen at once); the workflow is read
    /// and compiled only when its version is new.
    pub async fn published_plan(
        &self,
        id: &str,
        slug: &str,
    ) -> Result<Arc<PublishedPlan>, ApiError> {
        let not_published = || {
            ApiError::msg(
                ErrorCode::ApiNotPublished,
                "No workflow is published at this path",
            )
        };
        let id = WorkflowId::parse(id).map_err(|_| not_published())?;
        let api = self
            .published
            .get_by_workflow(&id)
            .await?
            .ok_or_else(not_published)?;
        if api.slug.as_str() != slug {
            return Err(not_published());
        }
        let cached = self
            .plans
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned();
        if let Some(plan) = cached.filter(|p| p.api.version == api.version) {
            return Ok(plan);
        }
        let record = self.workflows.get(&id).await?.ok_or_else(not_published)?;
        let source = WorkflowSource {
            steps: record.steps,
            edges: record.edges,
        };
        let workflow = Workflow::normalize(&source).map_err(|e| {
            ApiError::internal(format!("stored workflow {id} no longer parses: {e}"))
        })?;
        let options = CompileOptions {
            max_nodes: self.max_nodes,
            collections: None,
        };
        let plan = Arc::new(PublishedPlan {
            compiled: compile(&workflow, &options),
            api,
        });
        self.plans
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, plan.clone());
        Ok(plan)
    }
}

/// The variables the workflow's input nodes declare, for clients that do not send
/// `inputVariables` themselves.
fn declared_inputs(workflow: &Workflow) -> Vec<Value> {
    workflow
        .nodes
        .iter()
        .filter(|n| n.kind() == Some(NodeKind::Input))
        .filter_map(|n| n.fields.get("variables").and_then(Value::as_array))
        .flatten()
        .filter_map(|v| match v {
            Value::String(name) => Some(Value::String(name.clone())),
            Value::Object(o) => o.get("name").filter(|n| n.is_string()).cloned(),
            _ => None,
        })
        .collect()
}
