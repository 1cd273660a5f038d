from django.urls import path

from .views import jobs, letters, print_batches

app_name = "letters"

urlpatterns = [
    path("breve/", letters.outbox, name="outbox"),
    path("breve/<int:pk>/", letters.letter_detail, name="letter_detail"),
    path("breve/<int:pk>/historik/", letters.letter_history, name="letter_history"),
    path("breve/<int:pk>/pdf/", letters.letter_pdf, name="letter_pdf"),
    path("breve/<int:pk>/gensend/", letters.letter_resend, name="letter_resend"),
    path("personer/<int:pk>/korrespondance/", letters.person_correspondence, name="person_correspondence"),
    path("udskrift/", print_batches.print_batches, name="print_batches"),
    path("udskrift/<int:pk>/", print_batches.print_batch_detail, name="print_batch_detail"),
    path("udskrift/<int:pk>/pdf/", print_batches.print_batch_pdf, name="print_batch_pdf"),
    path("udskrift/<int:pk>/manifest.csv", print_batches.print_batch_manifest, name="print_batch_manifest"),
    path("udskrift/<int:pk>/bekraeft/", print_batches.print_batch_confirm, name="print_batch_confirm"),
    path("koersler/", jobs.job_runs, name="job_runs"),
    path("koersler/start/", jobs.job_run_start, name="job_run_start"),
    path("koersler/<int:pk>/", jobs.job_run_detail, name="job_run_detail"),
    path("koersler/<int:pk>/fremdrift/", jobs.job_run_progress, name="job_run_progress"),
]
