//! The actix application: routes, middleware, error handlers for actix's own rejections, and the
//! HTTP server around them.

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::DefaultHeaders;
use std::sync::LazyLock;

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, ResponseError, http::header, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, AppState};
use crate::error::AppError;
use crate::openapi::ApiDoc;

/// The whole application for one worker.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = cors(&state.config.cors_origins);
    let (app, spec) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .app_data(web::Data::new(state))
        .app_data(
            web::PathConfig::default()
                .error_handler(|err, _| AppError::bad_param("path", "invalid", err.to_string()).into()),
        )
        .configure(api::configure)
        .split_for_parts();
    app.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", spec))
        .service(web::resource("/docs").route(web::get().to(docs_redirect)))
        .default_service(web::to(no_route))
        .wrap_fn(|req, srv| {
            // Whatever a token unlocks is the caller's alone: never stored by shared caches.
            let authenticated = req.headers().contains_key(header::AUTHORIZATION);
            let response = srv.call(req);
            async move {
                let mut response = response.await?;
                if authenticated {
                    response.headers_mut().insert(
                        header::CACHE_CONTROL,
                        header::HeaderValue::from_static("private, no-store"),
                    );
                }
                Ok(response)
            }
        })
        .wrap(cors)
        .wrap(security_headers())
        .wrap(tracing_actix_web::TracingLogger::default())
}

/// The OpenAPI document of the whole API, as served at `/openapi.json`.
pub fn openapi_spec() -> utoipa::openapi::OpenApi {
    let (_, spec) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(api::configure)
        .split_for_parts();
    spec
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// Requests no route took: 405 with `Allow` when the path exists under other methods, else 404.
async fn no_route(req: HttpRequest) -> Result<HttpResponse, AppError> {
    match allowed_methods(req.path()) {
        Some(allow) if req.method() == Method::OPTIONS => Ok(HttpResponse::NoContent()
            .insert_header((header::ALLOW, allow))
            .finish()),
        Some(allow) => {
            let mut response = AppError::MethodNotAllowed.error_response();
            response.headers_mut().insert(
                header::ALLOW,
                header::HeaderValue::from_str(&allow).map_err(AppError::internal)?,
            );
            Ok(response)
        }
        None => Err(AppError::not_found("No route matches this path.")),
    }
}

/// The methods the documented routes accept at `path`, as an `Allow` value.
fn allowed_methods(path: &str) -> Option<String> {
    static ROUTES: LazyLock<Vec<(ResourceDef, Vec<String>)>> = LazyLock::new(|| {
        openapi_spec()
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let mut methods: Vec<String> = item
                    .get
                    .iter()
                    .map(|_| "GET")
                    .chain(item.post.iter().map(|_| "POST"))
                    .chain(item.put.iter().map(|_| "PUT"))
                    .chain(item.patch.iter().map(|_| "PATCH"))
                    .chain(item.delete.iter().map(|_| "DELETE"))
                    .map(str::to_owned)
                    .collect();
                methods.push("OPTIONS".to_owned());
                (ResourceDef::new(template.as_str()), methods)
            })
            .collect()
    });
    ROUTES
        .iter()
        .find(|(def, _)| def.is_match(path))
        .map(|(_, methods)| methods.join(", "))
}

fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
}

/// CORS for the configured origins only; none configured means no cross-origin access.
fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([header::ETAG, header::LOCATION, header::RETRY_AFTER])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// Serves until SIGINT or SIGTERM, then drains requests in flight.
pub async fn serve(state: AppState) -> std::io::Result<()> {
    let bind = state.config.bind;
    let workers = state.config.workers;
    tracing::info!(%bind, backend = state.config.database_url.backend_name(), "serving");
    HttpServer::new(move || app(state.clone()))
        .workers(workers)
        .shutdown_timeout(30)
        .bind(bind)?
        .run()
        .await
}
